"""The catalogue (CON-1): offers created from a preset's reference terms."""

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import User
from offers.models import Offer, Product, Terms


@transaction.atomic
def offer_create_from_preset(
    *, preset: str, code: str, name: str, main_product: Product, actor: User | None = None
) -> Offer:
    """CON-1: a new offer whose terms start as a copy of the preset's reference terms."""
    reference = Terms.objects.get(preset=preset, is_preset=True)
    terms = Terms.objects.get(pk=reference.pk)
    terms.pk = None
    terms.is_preset = False
    terms.name = f"{name} — {reference.name}"
    terms.save()
    offer = Offer.objects.create(
        code=code, name=name, preset=preset, main_product=main_product, terms=terms
    )
    audit_record(
        action="offer.create",
        instance=offer,
        actor=actor,
        after={"preset": preset, "terms": terms.snapshot()},
    )
    return offer
