"""Every write of the offers domain, one module per use-case family:

- ``catalogue``: offers created from a preset's reference terms (CON-1).
- ``contracts``: a draft contract with its terms copied and its lines priced, the order, the
  activation (CON-2).
- ``renewals``: tacit renewal of contracts whose period has ended (CON-3).
- ``terminations``: the quote, the request, the cancellation and the daily application of a
  termination (CON-4, CON-5).
- ``suspensions``: suspending a contract and lifting the suspension (CON-8).
- ``trials``: free test access (CON-7).
- ``inactivity``: the last day with traffic, contracts flagged after six months without (ACC-6).
- ``price_changes``: the price change pipeline — schedule, notify, apply, cancel (CON-6).
- ``price_change_answers``: a customer's refusal or objection, and its withdrawal (CON-6).
- ``quantities``: a contract line's quantity changed — increases at once, pro rata; decreases
  at the next period (CON-2).

Shared by those modules: ``transitions`` (lock a contract and move it along the pipeline, with
its event and audit rows); ``paris_today`` comes from ``kernel.clock``.

Other apps use this package as ``from offers import services as offers``; the names below are
re-exported for them. Modules of the offers app import from the submodules themselves.
"""

from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.services.catalogue import offer_create_from_preset
from offers.services.contracts import (
    LineRequest,
    contract_activate,
    contract_create,
    contract_order,
)
from offers.services.inactivity import (
    INACTIVITY_MONTHS,
    contract_record_traffic,
    contracts_flag_inactive,
)
from offers.services.price_change_answers import (
    REFUSAL_NOTICE_DAYS,
    pending_price_changes,
    price_change_accept,
    price_change_objections_withdraw,
    price_change_refuse,
    refusal_quote,
)
from offers.services.price_changes import (
    price_change_apply,
    price_change_cancel,
    price_change_notify,
    price_change_schedule,
    price_changes_daily,
    price_steps_by_line,
)
from offers.services.quantities import (
    QuantityQuote,
    line_quantity_change,
    line_quantity_decrease_cancel,
    line_quantity_quote,
    line_quantity_refusal,
    pending_decreases,
    quantity_billed,
    quantity_changed_by_line,
    quantity_changes_by_line,
)
from offers.services.quantity_acceptance import (
    line_quantity_increase_accept,
    line_quantity_increase_refuse,
    requested_increases,
)
from offers.services.renewals import contract_renew, contracts_due_for_renewal
from offers.services.suspensions import (
    contract_lift_suspension,
    contract_suspend,
    contracts_to_suspend,
)
from offers.services.terminations import (
    TerminationQuote,
    contract_request_termination,
    invoiced_through,
    termination_apply,
    termination_cancel,
    termination_quote,
    terminations_due,
)
from offers.services.trials import contract_set_trial, is_in_trial

__all__ = [
    "INACTIVITY_MONTHS",
    "REFUSAL_NOTICE_DAYS",
    "InvalidTransition",
    "LineRequest",
    "QuantityQuote",
    "TerminationQuote",
    "contract_activate",
    "contract_create",
    "contract_lift_suspension",
    "contract_order",
    "contract_record_traffic",
    "contract_renew",
    "contract_request_termination",
    "contract_set_trial",
    "contract_suspend",
    "contracts_to_suspend",
    "contracts_due_for_renewal",
    "contracts_flag_inactive",
    "invoiced_through",
    "is_in_trial",
    "line_quantity_change",
    "line_quantity_decrease_cancel",
    "line_quantity_increase_accept",
    "line_quantity_increase_refuse",
    "requested_increases",
    "line_quantity_quote",
    "line_quantity_refusal",
    "offer_create_from_preset",
    "paris_today",
    "pending_decreases",
    "pending_price_changes",
    "price_change_apply",
    "price_change_cancel",
    "price_change_notify",
    "price_change_objections_withdraw",
    "price_change_accept",
    "price_change_refuse",
    "price_change_schedule",
    "price_changes_daily",
    "price_steps_by_line",
    "quantity_billed",
    "quantity_changed_by_line",
    "quantity_changes_by_line",
    "refusal_quote",
    "termination_apply",
    "termination_cancel",
    "termination_quote",
    "terminations_due",
]
