"""Demo equipment: a small catalogue, items in stock, two IP phones rented by the demo clinic
(HOSTED-W customer) for 24 months, a DECT base sold to the law firm, and an open RMA on one of
the rented phones. Idempotent (keyed by codes and serial numbers); runs on SQLite too."""

from decimal import Decimal

from accounts.models import Client, User
from equipment.choices import ItemState, ModelKind, Tenure
from equipment.models import EquipmentModel, EquipmentOrder, Item, Rma
from equipment.services import catalogue, items, orders
from equipment.services.rma import rma_request
from kernel.clock import paris_today
from offers.periods import add_months

CLINIC = "834567893"  # offers.demo: HOSTED-W, a partner's customer
LAW_FIRM = "812345676"  # offers.demo: HOSTED-A, a direct customer
# (code, French name, English name — SPEC §9, kind, sale, monthly rental)
MODELS = [
    ("yealink-t46u", "Yealink T46U", "Yealink T46U", ModelKind.IP_PHONE, "149.00", "6.00"),
    ("yealink-w73p", "Yealink W73P (base DECT)", "Yealink W73P (DECT base)", ModelKind.DECT,
     "189.00", "8.00"),
    ("fortinet-fg40f", "Routeur Fortinet FG-40F", "Fortinet FG-40F router", ModelKind.ROUTER,
     "420.00", "15.00"),
]  # fmt: skip
# (model, serial, MAC)
STOCK = [
    ("yealink-t46u", "T46U-0001", "80:5E:C0:00:00:01"),
    ("yealink-t46u", "T46U-0002", "80:5E:C0:00:00:02"),
    ("yealink-t46u", "T46U-0003", "80:5E:C0:00:00:03"),
    ("yealink-t46u", "T46U-0004", "80:5E:C0:00:00:04"),
    ("yealink-t46u", "T46U-0005", "80:5E:C0:00:00:05"),
    ("yealink-w73p", "W73P-0001", "80:5E:C0:10:00:01"),
    ("yealink-w73p", "W73P-0002", "80:5E:C0:10:00:02"),
    ("fortinet-fg40f", "FG40F-0001", "00:09:0F:00:00:01"),
]


def load() -> str:
    done = []
    staff = User.objects.filter(email="staff@azur-telecom.example").first()
    today = paris_today()
    start = add_months(today.replace(day=1), -6)
    models = {}
    for code, name, name_en, kind, sale, rental in MODELS:
        model = EquipmentModel.objects.filter(code=code).first()
        if model is None:
            model = catalogue.model_create(
                code=code, name=name, name_en=name_en, kind=kind, sale_price=Decimal(sale),
                rental_price=Decimal(rental), effective_from=add_months(start, -12),
            )  # fmt: skip
            done.append(f"model {code}")
        elif not model.name_en:  # loaded before English names; one staff entered is kept
            model = catalogue.model_rename(model=model, name=model.name, name_en=name_en)
            done.append(f"English name of {code}")
        models[code] = model
    for code, serial, mac in STOCK:
        if not Item.objects.filter(serial_number=serial).exists():
            items.item_receive(model=models[code], serial_number=serial, mac_address=mac)
    clinic = Client.objects.filter(siren=CLINIC).first()
    if clinic is not None and not EquipmentOrder.objects.filter(client=clinic).exists():
        order = orders.order_create(
            form=orders.OrderForm(
                client=clinic, site=clinic.sites.order_by("pk").first(), tenure=Tenure.RENTAL,
                model=models["yealink-t46u"], quantity=2, commitment_months=24, ordered_on=start,
            ),
            actor=staff,
        )  # fmt: skip
        for item in order.items.all():
            items.item_deliver(item=item, delivered_on=start, actor=staff)
        done.append(f"rental {order.reference}")
    law_firm = Client.objects.filter(siren=LAW_FIRM).first()
    if law_firm is not None and not EquipmentOrder.objects.filter(client=law_firm).exists():
        order = orders.order_create(
            form=orders.OrderForm(
                client=law_firm, site=law_firm.sites.order_by("pk").first(), tenure=Tenure.SALE,
                model=models["yealink-w73p"], quantity=1, ordered_on=add_months(start, 3),
            ),
            actor=staff,
        )  # fmt: skip
        for item in order.items.all():
            items.item_deliver(item=item, delivered_on=add_months(start, 3), actor=staff)
        done.append(f"sale {order.reference}")
    if clinic is not None and not Rma.objects.filter(client=clinic).exists():
        item = (
            Item.objects.filter(client=clinic, state=ItemState.AT_CUSTOMER)
            .order_by("serial_number")
            .first()
        )
        if item is not None:
            rma_request(
                client=clinic,
                item=item,
                description="L'écran reste noir au démarrage, même après redémarrage.",
            )
            done.append("1 RMA")
    return ", ".join(done) or "up to date"
