"""The contract pipeline up to service start (CON-2): a draft with its terms copied and its
lines priced, the order, the activation."""

import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, Client, Site, User
from accounts.services import client_open_check
from kernel.errors import InvalidTransition
from offers import signals
from offers.choices import ContractStatus
from offers.models import Contract, ContractEvent, ContractLine, Offer, Product
from offers.services.transitions import lock_contract, transition_contract
from offers.services.trials import end_trial_at_service_start


def _refuse_if_closed(client: Client) -> None:
    """ACC-1: nothing new is ordered for a closed customer (``client_open_check``: its row
    locked as closing locks it — a contract ordered while the customer is being closed waits,
    then is refused, or blocks the closing, ``offers.receivers``)."""
    client_open_check(client, _("This customer is closed: nothing new can be ordered for it."))


@dataclass
class LineRequest:
    product: Product
    quantity: int = 1
    unit_monthly_price: object = None  # staff-entered for "on quote" products
    unit_setup_price: object = None


@transaction.atomic
def contract_create(
    *,
    client: Client,
    offer: Offer,
    site: Site | None,
    signature_date: date,
    order_date: date,
    options: list[LineRequest] = (),
    quantity: int = 1,
    purchase_order_ref: str = "",
    sla_applicable: bool = True,
    actor: User | None = None,
    api_key: ApiKey | None = None,
) -> Contract:
    """CON-2: a draft contract with the offer's terms copied as signed and its lines priced."""
    _refuse_if_closed(client)
    errors = {}
    if site is not None and site.client_id != client.pk:
        errors["site"] = _("This site belongs to another customer.")
    if not offer.is_active:
        errors["offer"] = _("This offer is no longer sold.")
    if order_date < signature_date:
        errors["order_date"] = _("The order cannot precede the signature.")
    allowed = set(offer.options.values_list("pk", flat=True))
    for line in options:
        if line.product.pk not in allowed:
            errors["options"] = _("%(name)s is not an option of this offer.") % {
                "name": line.product.display_name
            }
        elif line.product.price_on_quote and line.unit_monthly_price is None:
            errors["options"] = _("%(name)s is priced on quote: give its price.") % {
                "name": line.product.display_name
            }
        elif line.quantity < 1:
            errors["options"] = _("Quantities start at 1.")
    if quantity < 1:
        errors["quantity"] = _("Quantities start at 1.")
    else:
        for _receiver, answer in signals.contract_checking.send(
            sender=Contract, offer=offer, quantity=quantity, options=list(options)
        ):
            for name, message in (answer or {}).items():
                errors.setdefault(name, message)
    if errors:
        raise ValidationError(errors)

    contract = Contract.objects.create(
        reference=f"tmp-{secrets.token_hex(8)}",
        client=client,
        site=site,
        offer=offer,
        terms_snapshot=offer.terms.snapshot(),
        signature_date=signature_date,
        order_date=order_date,
        purchase_order_ref=purchase_order_ref,
        sla_applicable=sla_applicable,
    )
    contract.reference = f"CT-{order_date.year}-{contract.pk:06d}"
    contract.save(update_fields=["reference"])
    for line in [LineRequest(offer.main_product, quantity), *options]:
        ContractLine.objects.create(
            contract=contract,
            product=line.product,
            quantity=line.quantity,
            unit_monthly_price=(
                line.unit_monthly_price
                if line.unit_monthly_price is not None
                else line.product.monthly_price
            ),
            unit_setup_price=(
                line.unit_setup_price
                if line.unit_setup_price is not None
                else line.product.setup_price
            ),
        )
    ContractEvent.objects.create(
        contract=contract, to_status=ContractStatus.DRAFT, actor=actor, api_key=api_key
    )
    audit_record(
        action="contract.create",
        instance=contract,
        actor=actor,
        api_key=api_key,
        after={
            "offer": offer.code,
            "terms": contract.terms_snapshot,
            "lines": [str(line) for line in contract.lines.all()],
        },
    )
    return contract


@transaction.atomic
def contract_order(*, contract: Contract, actor=None, api_key=None) -> Contract:
    """CON-2: a draft is ordered. Only a draft: the transition map also leads back to ordered
    from terminating, but that move is the cancellation of a termination (``termination_cancel``)
    and ordering a terminating contract would leave its termination scheduled."""
    contract = lock_contract(contract)
    if contract.status != ContractStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft contract can be ordered."), code="invalid_transition"
        )
    _refuse_if_closed(contract.client)
    contract.ordered_at = timezone.now()
    return transition_contract(
        contract, ContractStatus.ORDERED, actor=actor, api_key=api_key, extra_fields=["ordered_at"]
    )


@transaction.atomic
def contract_activate(
    *, contract: Contract, service_start_date: date, actor=None, api_key=None
) -> Contract:
    """The service is up: the service start date fixes the first commitment period. Only an
    ordered contract: terminating → active is the cancellation of a termination
    (``termination_cancel``), never an activation. CON-7: a trial still running ends at the
    service start."""
    contract = lock_contract(contract)
    if contract.status != ContractStatus.ORDERED:
        raise InvalidTransition(
            _("Only an ordered contract can be activated."), code="invalid_transition"
        )
    if service_start_date < contract.order_date:
        raise ValidationError({"service_start_date": _("Service cannot start before the order.")})
    contract.service_start_date = service_start_date
    period = contract.period_at(service_start_date) or contract.period_at(contract.anchor_date)
    contract.current_period_start, contract.current_period_end = period.start, period.end
    contract.activated_at = timezone.now()
    contract.lines.filter(started_on__isnull=True).update(started_on=service_start_date)
    trial_fields = end_trial_at_service_start(contract, actor=actor, api_key=api_key)
    contract = transition_contract(
        contract,
        ContractStatus.ACTIVE,
        actor=actor,
        api_key=api_key,
        extra_fields=[
            "service_start_date",
            "current_period_start",
            "current_period_end",
            "activated_at",
            *trial_fields,
        ],
    )
    signals.contract_activated.send(sender=Contract, contract=contract)
    return contract
