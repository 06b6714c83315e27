"""SEPA CORE mandates (BIL-4): recorded by staff, one active per customer, revoked at will."""

import re
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from accounts.audit import audit_record
from accounts.models import Client
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.periods import add_months
from payments import sepa
from payments.choices import MandateStatus
from payments.models import Mandate

# SEPA (EPC implementation guidelines): a mandate reference is 1 to 35 characters of the Latin
# set — letters without accents, digits, / - ? : ( ) . , ' + and space — neither starting nor
# ending with "/" nor containing "//"; it identifies the mandate whatever the case.
REFERENCE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")


def _reference_error(reference: str) -> str | None:
    if not REFERENCE.fullmatch(reference) or reference.startswith("/") or reference.endswith("/"):
        return _(
            "Use 35 characters at most: letters without accents, digits, spaces and /-?:().,'+ "
            "(not / at either end)."
        )
    if "//" in reference:
        return _("A mandate reference cannot contain //.")
    if Mandate.objects.filter(reference__iexact=reference).exists():
        return _("This mandate reference is already used.")
    return None


def _mandate_reference() -> str:
    return f"RUM-{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def mandate_create(
    *,
    client: Client,
    account_holder: str,
    iban: str,
    bic: str,
    signed_on: date,
    reference: str = "",
    actor=None,
) -> Mandate:
    """BIL-4: a SEPA CORE mandate; a new one replaces the customer's active mandate."""
    errors = {}
    try:
        iban = stdnum_iban.validate(iban)
    except Exception:  # stdnum raises its own ValidationError subclasses
        errors["iban"] = _("This IBAN is not valid (check the digits).")
    else:
        if not sepa.in_sepa_area(iban):
            errors["iban"] = _(
                "This account is outside the SEPA area: it cannot be debited by SEPA direct debit."
            )
    try:
        bic = stdnum_bic.validate(bic)
    except Exception:
        errors["bic"] = _("This BIC is not valid.")
    if not (account_holder or "").strip():
        errors["account_holder"] = _("Give the account holder's name.")
    if signed_on > paris_today():
        errors["signed_on"] = _("The signature date cannot be in the future.")
    reference = (reference or "").strip()
    if reference and (error := _reference_error(reference)):
        errors["reference"] = error
    if errors:
        raise ValidationError(errors)
    Client.objects.select_for_update().get(pk=client.pk)
    previous = Mandate.objects.filter(client=client, status=MandateStatus.ACTIVE).first()
    if previous:
        previous.status, previous.revoked_on = MandateStatus.REVOKED, paris_today()
        previous.save(update_fields=["status", "revoked_on"])
    try:
        with transaction.atomic():
            mandate = Mandate.objects.create(
                client=client,
                reference=reference or _mandate_reference(),
                account_holder=account_holder.strip(),
                iban=iban,
                bic=bic,
                signed_on=signed_on,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"reference": _("This mandate reference is already used.")}) from None
    audit_record(
        action="mandate.create",
        instance=mandate,
        actor=actor,
        client=client,
        after={"reference": mandate.reference, "iban": mandate.masked_iban},
    )
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor=None) -> Mandate:
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status != MandateStatus.ACTIVE:
        raise InvalidTransition(_("This mandate is already revoked."), code="revoked")
    mandate.status, mandate.revoked_on = MandateStatus.REVOKED, paris_today()
    mandate.save(update_fields=["status", "revoked_on"])
    audit_record(action="mandate.revoke", instance=mandate, actor=actor, client=mandate.client)
    return mandate


# SEPA Core rulebook: a mandate with no collection presented for 36 months (from its last one,
# even rejected, or from its signature) has lapsed — the creditor may no longer collect on it; the
# customer signs a new one, and meanwhile pays by transfer.
MANDATE_LAPSE_MONTHS = 36


@transaction.atomic
def mandates_lapse(on: date) -> int:
    """BIL-4: the active mandates lapsed by ``on`` become ``lapsed`` (audited): no batch collects
    on them any more. Idempotent. Returns how many lapsed."""
    last_presented = Max("debits__batch__collection_date")
    lapsed = 0
    candidates = Mandate.objects.filter(status=MandateStatus.ACTIVE).annotate(last=last_presented)
    for mandate in candidates.select_related("client").order_by("pk"):
        since = max(d for d in (mandate.last, mandate.signed_on) if d is not None)
        if on < add_months(since, MANDATE_LAPSE_MONTHS):
            continue
        Mandate.objects.filter(pk=mandate.pk).update(status=MandateStatus.LAPSED, revoked_on=on)
        audit_record(
            action="mandate.lapse",
            instance=mandate,
            client=mandate.client,
            before={"status": MandateStatus.ACTIVE},
            after={"status": MandateStatus.LAPSED, "since": since, "on": on},
        )
        lapsed += 1
    return lapsed
