"""Equipment test helpers: the rental offers (data migration 0002, wiped by a transactional
test's flush), a model with its price, items in stock, sales and rentals through the services."""

from datetime import date
from decimal import Decimal
from importlib import import_module

from django.apps import apps

from equipment.choices import ModelKind, Tenure
from equipment.models import EquipmentModel, Item
from equipment.services import catalogue, items, orders
from offers.models import Offer

_counter = iter(range(1, 10**6))


def ensure_rental_offers() -> None:
    if not Offer.objects.filter(code__startswith="equipment-rental-").exists():
        import_module("equipment.migrations.0002_rental_offers").create(apps, None)
        import_module(
            "equipment.migrations.0004_rentals_are_no_telephone_service"
        ).rentals_are_no_telephone_service(apps, None)


def make_model(
    *, sale="149.00", rental="6.00", effective_from=date(2024, 1, 1), code=None
) -> EquipmentModel:
    n = next(_counter)
    return catalogue.model_create(
        code=code or f"phone-{n}",
        name=f"Téléphone IP {n}",
        kind=ModelKind.IP_PHONE,
        sale_price=Decimal(sale),
        rental_price=Decimal(rental),
        effective_from=effective_from,
    )


def stock(model: EquipmentModel, count: int = 1) -> list[Item]:
    made = []
    for _ in range(count):
        n = next(_counter)
        made.append(
            items.item_receive(
                model=model,
                serial_number=f"SN{model.pk:03d}{n:06d}",
                mac_address=f"02:00:00:{n // 65536 % 256:02X}:{n // 256 % 256:02X}:{n % 256:02X}",
            )
        )
    return made


def rent(client, site, model, *, months=24, ordered_on=None, quantity=1, **kwargs):
    ensure_rental_offers()
    stock(model, quantity)
    return orders.order_create(
        form=orders.OrderForm(
            client=client,
            site=site,
            tenure=Tenure.RENTAL,
            model=model,
            quantity=quantity,
            commitment_months=months,
            ordered_on=ordered_on,
            **kwargs,
        )
    )


def sell(client, site, model, *, ordered_on=None, quantity=1, **kwargs):
    stock(model, quantity)
    return orders.order_create(
        form=orders.OrderForm(
            client=client,
            site=site,
            tenure=Tenure.SALE,
            model=model,
            quantity=quantity,
            ordered_on=ordered_on,
            **kwargs,
        )
    )
