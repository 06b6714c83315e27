"""EQP-5: the return label — an A6 page to stick on the over-pack (HOSTED-A 3: "Retour
Equipements <reseller>", the contract reference and the customer's name), with the RMA number
if any, the items with their serial numbers and the return address. A French document.

White label (ACC-3): a partner's customer returns to the partner's brand — the brand its
portal and its invoices show (``accounts.context_processors.brand``, billing's distributor);
the address is the reseller's warehouse (``EQUIPMENT_RETURN_ADDRESS``, else the reseller's
address), which handles every brand's returns."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from equipment.models import EquipmentReturn

TEMPLATE = "equipment/return_label_pdf.html"


def label_brand(client) -> str:
    partner = client.partner
    if partner is not None and partner.is_active:
        return partner.name
    return settings.RESELLER["name"]


def return_address(client) -> list[str]:
    """The warehouse, addressed to the brand's returns service (a partner's customer never
    sees the reseller's name)."""
    reseller = settings.RESELLER
    address = getattr(settings, "EQUIPMENT_RETURN_ADDRESS", "") or reseller["address"]
    return [f"{label_brand(client)} — Service retours équipements", *address.split(", ")]


def contract_reference(equipment_return: EquipmentReturn) -> str:
    if equipment_return.contract_id:
        return equipment_return.contract.reference
    line = equipment_return.lines.select_related("item__order").first()
    order = line.item.order if line else None
    return order.reference if order else ""


def label_context(equipment_return: EquipmentReturn) -> dict:
    client = equipment_return.client
    lines = equipment_return.lines.select_related("item__model").order_by("item__serial_number")
    return {
        "title": f"Retour Équipements {label_brand(client)}",
        "reference": equipment_return.reference,
        "contract_reference": contract_reference(equipment_return),
        "customer": client.legal_name,
        "rma_number": equipment_return.rma.number if equipment_return.rma_id else "",
        "items": [
            {"model": line.item.model.name, "serial": line.item.serial_number} for line in lines
        ],
        "due_date": equipment_return.due_date.strftime("%d/%m/%Y"),
        "address": return_address(client),
    }


def render_label(equipment_return: EquipmentReturn) -> bytes:
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, label_context(equipment_return))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
