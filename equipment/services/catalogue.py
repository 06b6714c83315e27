"""EQP-1: the catalogue — models and their price history. The tariff in force on a date is a
query over ``ModelPrice`` (the latest row in force on that day), never a remembered value."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from equipment.models import EquipmentModel, ModelPrice
from kernel.clock import paris_today
from kernel.money import round_price


def tariff_on(model: EquipmentModel, day: date) -> ModelPrice | None:
    """EQP-1: the model's tariff in force on ``day`` (None before its first price)."""
    return (
        ModelPrice.objects.filter(model=model, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


@transaction.atomic
def model_create(
    *,
    code: str,
    name: str,
    name_en: str = "",
    kind: str,
    sale_price,
    rental_price,
    warranty_months: int = 12,
    effective_from: date | None = None,
    actor=None,
) -> EquipmentModel:
    model = EquipmentModel.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        sale_price=round_price(Decimal(sale_price)),
        rental_price=round_price(Decimal(rental_price)),
        warranty_months=warranty_months,
    )
    ModelPrice.objects.create(
        model=model,
        effective_from=effective_from or paris_today(),
        sale_price=model.sale_price,
        rental_price=model.rental_price,
        created_by=actor,
    )
    audit_record(
        action="equipment_model.create",
        instance=model,
        actor=actor,
        after={"sale_price": model.sale_price, "rental_price": model.rental_price},
    )
    return model


@transaction.atomic
def model_set_price(
    *, model: EquipmentModel, sale_price, rental_price, effective_from: date, actor=None
) -> ModelPrice:
    """EQP-1: a new tariff from ``effective_from`` (history kept); the model's current prices
    follow when it is already in force."""
    if Decimal(sale_price) < 0 or Decimal(rental_price) < 0:
        raise ValidationError(_("A price is never negative."))
    model = EquipmentModel.objects.select_for_update().get(pk=model.pk)
    before = {"sale_price": model.sale_price, "rental_price": model.rental_price}
    price, _created = ModelPrice.objects.update_or_create(
        model=model,
        effective_from=effective_from,
        defaults={
            "sale_price": round_price(Decimal(sale_price)),
            "rental_price": round_price(Decimal(rental_price)),
            "created_by": actor,
        },
    )
    _follow_tariff(model, paris_today())
    audit_record(
        action="equipment_model.price",
        instance=model,
        actor=actor,
        before=before,
        after={
            "effective_from": effective_from,
            "sale_price": price.sale_price,
            "rental_price": price.rental_price,
        },
    )
    return price


def _follow_tariff(model: EquipmentModel, day: date) -> bool:
    """The model's current prices become the tariff in force on ``day``; True if they changed."""
    current = tariff_on(model, day)
    if current is None or (model.sale_price, model.rental_price) == (
        current.sale_price,
        current.rental_price,
    ):
        return False
    model.sale_price, model.rental_price = current.sale_price, current.rental_price
    model.save(update_fields=["sale_price", "rental_price", "updated_at"])
    return True


def catalogue_refresh(today: date) -> int:
    """EQP-1, daily: the models' current prices follow a tariff entered ahead of its date once
    it is in force (what the back office's catalogue shows; orders read the tariff of their
    date, ``tariff_on``). Returns the models updated."""
    return sum(_follow_tariff(model, today) for model in EquipmentModel.objects.order_by("pk"))


@transaction.atomic
def model_rename(*, model: EquipmentModel, name: str, name_en: str, actor=None) -> EquipmentModel:
    """SPEC §9, PLATFORM 24: the model's French name (the back office's, the invoice lines' and
    the return label's from now on; lines already posted keep theirs) and its English name
    (English pages and the API in English; empty: the French one)."""
    name, name_en = name.strip(), name_en.strip()
    if not name:
        raise ValidationError({"name": _("A model has a name.")})
    model = EquipmentModel.objects.select_for_update().get(pk=model.pk)
    before = {"name": model.name, "name_en": model.name_en}
    model.name, model.name_en = name, name_en
    model.save(update_fields=["name", "name_en", "updated_at"])
    audit_record(
        action="equipment_model.rename", instance=model, actor=actor, before=before,
        after={"name": name, "name_en": name_en},
    )  # fmt: skip
    return model


@transaction.atomic
def model_set_sold(*, model: EquipmentModel, is_sold: bool, actor=None) -> EquipmentModel:
    """EQP-1 / EQP-6: a model no longer sold is billed, when not returned, at the tariff in
    force when its rental started."""
    model = EquipmentModel.objects.select_for_update().get(pk=model.pk)
    before = {"is_sold": model.is_sold}
    model.is_sold = is_sold
    model.save(update_fields=["is_sold", "updated_at"])
    audit_record(
        action="equipment_model.sold", instance=model, actor=actor, before=before,
        after={"is_sold": is_sold},
    )  # fmt: skip
    return model
