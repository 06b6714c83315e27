"""ACC-3 — a partner's logo as its customers see it in production: served by the portal itself
(only DEBUG serves /media/), PNG or JPEG only, at most 1 MB, uploaded in the back office."""

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from accounts.choices import Role
from accounts.models import Partner
from tests.accounts.test_views import _staff_with_mfa
from tests.conftest import login

pytestmark = pytest.mark.django_db

LOGO = re.compile(r'<img src="([^"]+)"[^>]*class="brand-logo"')


def _image(kind, size=(40, 12), noise=False):
    data = os.urandom(size[0] * size[1] * 3) if noise else None
    image = Image.frombytes("RGB", size, data) if noise else Image.new("RGB", size, "#123456")
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def _give_logo(partner, kind, name):
    data = _image(kind)
    partner.logo = SimpleUploadedFile(name, data)
    partner.save()
    return data


def _logo_of(browser, **extra):
    """The address of the header's logo on the dashboard, and what it answers."""
    page = browser.get(reverse("dashboard"), **extra).content.decode()
    found = LOGO.search(page)
    if found is None:
        return None, None
    return found.group(1), browser.get(found.group(1).replace("&amp;", "&"), **extra)


# ACC-3 — production (DEBUG=False): Nova's customer saw a broken logo (/media/… answered 404);
# the header's <img> now answers 200 image/png, Nova's own bytes, not sniffable, cacheable.
@override_settings(DEBUG=False)
def test_partner_customer_sees_its_logo_without_debug(as_role, tenant, partner):
    png = _give_logo(partner, "PNG", "nova.png")
    url, response = _logo_of(as_role(Role.READ_ONLY))
    assert url is not None and "/media/" not in url
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == png


# ACC-3 — another partner's customers get their own logo (a JPEG: image/jpeg), never Nova's,
# and Nova's customers keep Nova's at the same stable address.
@override_settings(DEBUG=False)
def test_each_partner_customers_get_their_own_logo(client, tenant, partner, other_tenant):
    png = _give_logo(partner, "PNG", "nova.png")
    jpeg = _give_logo(Partner.objects.get(name="Rival"), "JPEG", "rival.jpg")
    url, response = _logo_of(login(client, other_tenant.members[Role.ADMIN]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content == jpeg
    client.logout()
    nova_url, response = _logo_of(login(client, tenant.members[Role.ADMIN]))
    assert response["Content-Type"] == "image/png" and response.content == png
    assert nova_url.split("?")[0] == url.split("?")[0]


# ACC-3 — a partner without a logo: its name alone, no <img> (no broken image), and the logo's
# address answers 404; so does it for the reseller's own customers.
def test_no_logo_no_img(as_role, tenant, partner):
    browser = as_role(Role.ADMIN)
    page = browser.get(reverse("dashboard")).content.decode()
    assert "brand-logo" not in page and "Nova" in page
    assert browser.get(reverse("accounts:brand_logo")).status_code == 404


# ACC-3 — the sign-in page of the partner's host name shows its logo to a visitor.
@override_settings(DEBUG=False)
def test_partner_host_sign_in_page_shows_logo(client, partner):
    partner.host_name = "portail.nova.example"
    png = _give_logo(partner, "PNG", "nova.png")
    page = client.get(reverse("account_login"), HTTP_HOST="portail.nova.example")
    url = LOGO.search(page.content.decode()).group(1).replace("&amp;", "&")
    response = client.get(url, HTTP_HOST="portail.nova.example")
    assert response.status_code == 200 and response.content == png
    assert client.get(url).status_code == 404  # the reseller's own host: no partner logo


def _partner_form(partner, logo):
    return {
        "name": partner.name,
        "primary_color": "#000000",
        "secondary_color": "#ffffff",
        "support_email": partner.support_email,
        "billing_mode": "reseller_billed",
        "wholesale_discount_percent": "0",
        "is_active": "on",
        "host_name": "",
        "country": "FR",
        "vat_regime": "standard",
        "logo": logo,
    }


def _upload(client, partner, name, data):
    url = reverse("admin:accounts_partner_change", args=[partner.pk])
    logo = SimpleUploadedFile(name, data)
    return client.post(url, _partner_form(partner, logo), HTTP_ACCEPT_LANGUAGE="fr")


# ACC-3 — the back office refuses a logo over 1 MB (a 700 × 700 photo-like PNG, ~1,4 Mo) with a
# French message naming both sizes, and keeps the partner's logo as it was.
def test_back_office_refuses_logo_over_1_mb(client, partner):
    _staff_with_mfa(client)
    data = _image("PNG", size=(700, 700), noise=True)
    assert len(data) > 1024 * 1024
    response = _upload(client, partner, "big.png", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le logo pèse 1,4\u00a0Mo\u00a0; 1\u00a0Mo au plus est accepté" in page
    partner.refresh_from_db()
    assert not partner.logo


# ACC-3 — an SVG (a script may hide in it), a GIF or a text file renamed .png: refused with one
# clear French message; a PNG of 40 × 12 is accepted.
@pytest.mark.parametrize(
    "name,data",
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.gif", _image("GIF")),
        ("logo.png", b"not an image at all"),
    ],
)
def test_back_office_refuses_svg_and_non_images(client, partner, name, data):
    _staff_with_mfa(client)
    response = _upload(client, partner, name, data)
    assert response.status_code == 200
    assert "Le logo doit être une image PNG ou JPEG" in response.content.decode()
    partner.refresh_from_db()
    assert not partner.logo
