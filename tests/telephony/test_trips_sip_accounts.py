"""Issue 17 item 8 (CON-1 "SIP-UNL: per SIP account", ACC-7): a SIP-UNL contract's quantity and
its SIP accounts agree, or ``/telephony/`` says why and lets the admin and technical roles
create the missing ones (the password shown once); never more than the contract bills."""

import re
from datetime import date

import pytest
from django.urls import reverse

from accounts.choices import Role
from telephony.models import SipAccount
from tests.offers.factories import make_contract
from tests.telephony.factories import seed_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def sip_unl(tenant):
    """A live SIP-UNL contract billing 3 accounts, none created yet."""
    seed_catalogue()
    start = date(2026, 10, 1)
    return make_contract(tenant.client, "sip-unl", quantity=3, signature=start, service_start=start)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# issue 17 item 8 — CON-1: 3 × SIP illimité billed, 1 account: the page says "3 comptes SIP
# commandés, 1 en service — 2 à créer" with the button (technical role), and creating one shows
# its password once; after the 3rd, the notice goes and a 4th is refused (the quantity).
def test_missing_accounts_are_announced_and_created(as_role, tenant, sip_unl):
    web = as_role(Role.TECHNICAL)
    url = reverse("telephony:sip_account_create", args=[sip_unl.pk])
    first = web.post(url, {"label": "Accueil"})
    assert first.status_code == 200
    html = first.content.decode()
    account = SipAccount.objects.get(contract=sip_unl)
    assert "Compte SIP créé" in html and account.username in html
    assert re.search(r'data-testid="secret">[^<]{12,}<', html)
    assert first["Cache-Control"].startswith("max-age=0") or "no-cache" in first["Cache-Control"]

    page = _text(web.get(reverse("telephony:index")).content.decode())
    assert f"{sip_unl.reference} — SIP illimité" in page
    assert "3 comptes SIP commandés, 1 en service — 2 à créer." in page
    assert "Créer un compte SIP" in page

    for label in ("Direction", "Compta"):
        assert web.post(url, {"label": label}).status_code == 200
    page = web.get(reverse("telephony:index")).content.decode()
    assert 'data-testid="sip-gap"' not in page
    refused = web.post(url, {"label": "En trop"}, follow=True)
    assert "sont tous créés" in refused.content.decode()
    assert SipAccount.objects.filter(contract=sip_unl).count() == 3


# issue 17 item 8 — ACC-2: the read-only role reads the gap but gets no button, and its POST is
# refused (403); another customer's contract is a 404.
def test_roles_and_isolation(as_role, tenant, other_tenant, sip_unl):
    web = as_role(Role.READ_ONLY)
    page = _text(web.get(reverse("telephony:index")).content.decode())
    assert "3 comptes SIP commandés, 0 en service — 3 à créer." in page
    assert "Créer un compte SIP" not in page
    assert "Votre administrateur ou votre contact technique peut les créer ici." in page
    url = reverse("telephony:sip_account_create", args=[sip_unl.pk])
    assert web.post(url).status_code == 403
    start = date(2026, 10, 1)
    rival = make_contract(
        other_tenant.client, "sip-unl", quantity=2, signature=start, service_start=start
    )
    admin = as_role(Role.ADMIN)
    assert admin.post(reverse("telephony:sip_account_create", args=[rival.pk])).status_code == 404
    assert not SipAccount.objects.exists()


# issue 17 item 8 — the contract page of a SIP-UNL contract sends to the telephony page, where
# the accounts it bills are listed and the missing ones created.
def test_contract_page_points_to_the_accounts(as_role, tenant, sip_unl):
    html = as_role(Role.ADMIN).get(reverse("offers:detail", args=[sip_unl.pk])).content.decode()
    link = html[html.index('data-testid="sip-accounts-link"') :]
    assert reverse("telephony:index") in link[:400] and "Les comptes SIP de ce contrat" in link
