"""Closed lists and the contract and price change pipelines (CON-1, CON-2, CON-6, CON-8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from offers.termination_fees import FeeRule as _FeeRule


class Preset(models.TextChoices):
    """CON-1: the five term sets the engine is configured with."""

    SIP_UNL = "SIP-UNL", _("SIP account, unlimited")
    TRUNK = "TRUNK", _("SIP trunk (channel packs)")
    HOSTED_W = "HOSTED-W", _("Hosted telephony (per user)")
    PLATFORM = "PLATFORM", _("Voice/API platform")
    HOSTED_A = "HOSTED-A", _("Hosted telephony (per site)")


class Anchor(models.TextChoices):
    """What commitment periods are counted from (SPEC, Time)."""

    SIGNATURE = "signature", _("Signature date")
    SERVICE_START = "service_start", _("Service start date")
    ORDER = "order", _("Order date")
    CALENDAR_MONTH = "calendar_month", _("Calendar months, renewed on the 1st")


class NoticeRule(models.TextChoices):
    """CON-4: how the effective date of a termination follows from its notice."""

    MONTHS = "months", _("Notice period in months")
    END_OF_MONTH = "end_of_month", _("Any time, effective at the end of the month")
    PLATFORM = "platform", _("Non-renewal 3 months before the anniversary, else convenience")


class BillingTiming(models.TextChoices):
    ADVANCE = "advance", _("In advance")
    ARREARS = "arrears", _("In arrears")


class FirstMonth(models.TextChoices):
    """How the month in which service starts is billed."""

    PRO_RATA = "pro_rata", _("Pro rata by days")
    FREE_ORDER_MONTH = "free_order_month", _("Free: billed from the month after the order")


class FeeRule(models.TextChoices):
    """CON-5 rules; values are those of ``termination_fees.FeeRule`` (a test keeps them equal)."""

    NONE = _FeeRule.NONE.value, _("None beyond the current month")
    REMAINING_MONTHS = _FeeRule.REMAINING_MONTHS.value, _("Remaining months of the period")
    ALLSET_SLIDING = _FeeRule.ALLSET_SLIDING.value, _("Sliding: 100% first year, 50% after")
    COMMITMENT_MAX = (
        _FeeRule.COMMITMENT_MAX.value,
        _("Higher of subscriptions and minimum commitment"),
    )


class SlaPolicy(models.TextChoices):
    NONE = "none", _("No availability commitment")
    HOSTED_W = "hosted_w", _("99.85% availability (credits 5/10/20%)")
    HOSTED_A = "hosted_a", _("99% availability (credits 5/10/20%)")


# SLA-9: the policies whose commitment does not apply when the access link, terminals or router
# were not ordered from us (``Contract.sla_applicable`` off): HOSTED-W 7 only. HOSTED-A has no
# such clause — its 8 is about hacking, and a failure of equipment or a service not ours is an
# excusable event of its 4, counted out outage by outage (SLA-5), not the whole SLA.
SLA_VOID_WITHOUT_OUR_ACCESS = frozenset({SlaPolicy.HOSTED_W})


class FairUsePolicy(models.TextChoices):
    NONE = "none", _("None")
    SIP_UNL = "sip_unl", _("99 fixed numbers a month, 60 minutes a call")
    HOSTED_W = "hosted_w", _("150 numbers, 2 h forwarded, 3 calls, 3 devices")
    HOSTED_A = "hosted_a", _("150 numbers, forwarded calls excluded")


class ProductKind(models.TextChoices):
    MAIN = "main", _("Main product")
    OPTION = "option", _("Option")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORDERED = "ordered", _("Ordered")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATING = "terminating", _("Terminating")
    TERMINATED = "terminated", _("Terminated")


# CON-2: the only moves a contract can make. Anything else raises InvalidTransition.
# The moves out of terminating other than to terminated are the cancellation of a termination,
# back to the status stored on it (``Termination.previous_status``, a contract terminated while
# ordered returns to ordered): only ``termination_cancel`` makes them, and the services of the
# ordinary pipeline check their own starting status (order: a draft; activate: an ordered
# contract; suspend: an active one — or a terminating one, whose service is suspended while its
# status stays, ``contract_suspend``; lift: a suspended one).
CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    ContractStatus.DRAFT: {ContractStatus.ORDERED, ContractStatus.TERMINATED},
    ContractStatus.ORDERED: {ContractStatus.ACTIVE, ContractStatus.TERMINATING},
    ContractStatus.ACTIVE: {ContractStatus.SUSPENDED, ContractStatus.TERMINATING},
    ContractStatus.SUSPENDED: {ContractStatus.ACTIVE, ContractStatus.TERMINATING},
    ContractStatus.TERMINATING: {
        ContractStatus.ACTIVE,  # termination cancelled
        ContractStatus.SUSPENDED,  # termination cancelled while the contract was suspended
        ContractStatus.ORDERED,  # cancelled before service started
        ContractStatus.TERMINATED,
    },
    ContractStatus.TERMINATED: set(),
}
# Statuses in which a contract is in service (renewed, billed for its subscriptions — CON-8).
LIVE_STATUSES = {ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.TERMINATING}


class QuantityChangeKind(models.TextChoices):
    """CON-2: a contract line's quantity goes up (at once, pro rata) or down (next period)."""

    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")


class QuantityChangeStatus(models.TextChoices):
    """CON-2: an increase is applied when it is made; a decrease is pending until the next
    period starts (TRK-4), cancellable until then. PLATFORM (28, 7.2.1): an increase the
    customer or its partner asks for is requested until our staff accept it (applied) or refuse
    it (refused)."""

    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")
    REQUESTED = "requested", _("Awaiting our acceptance")
    REFUSED = "refused", _("Refused by us")


class SuspensionReason(models.TextChoices):
    """CON-8: the closed list of reasons to suspend a service."""

    NON_PAYMENT = "non_payment", _("Non-payment")
    FRAUD = "fraud", _("Fraud or suspected hacking")
    ABNORMAL_TRAFFIC = "abnormal_traffic", _("Abnormal traffic")
    BREACH = "breach", _("Breach of contract")
    AUTHORITY_ORDER = "authority_order", _("Order of an authority")
    PREPAID_EXHAUSTED = "prepaid_exhausted", _("Prepaid balance exhausted")


# The note staff add to a suspension (its form in the back office and the console).
SUSPENSION_NOTE_HELP = _(
    "The customer is told the reason, not this note; the customer's partner reads the note of "
    "a contract's suspension through the API: write nothing internal."
)


class TerminationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    EFFECTIVE = "effective", _("Effective")


class TerminationReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", _("Customer request")
    NON_RENEWAL = "non_renewal", _("Non-renewal at the anniversary")
    PRICE_INCREASE_REFUSED = "price_increase_refused", _("Price increase refused (no fees)")
    INACTIVITY = "inactivity", _("Closed for inactivity")
    RESELLER = "reseller", _("Terminated by the reseller")
    PORT_OUT = "port_out", _("Numbers ported out to another operator")
    # PLATFORM 17.4.1: either party ends the contract for the other's breach, a month's notice
    BREACH_BY_CUSTOMER = "breach_by_customer", _("Ended by us for the customer's breach (17.4)")
    BREACH_BY_US = "breach_by_us", _("Ended by the customer for our breach (17.4)")
    # PLATFORM 17.2 (after a change of the services not signed, 7.1.2): a month's notice
    SERVICE_CHANGE = "service_change", _("Ended by us after a change of the services (17.2)")
    # PLATFORM 13.1.6 / 13.1.8: an authority's order, a licence lost: without notice
    AUTHORITY = "authority", _("Ended by us on an authority's order or a licence lost (13.1)")
    # PLATFORM 16.4 / 17.5: a force majeure lasting beyond a month after its notification lets
    # either party end the contract at once, without indemnity
    FORCE_MAJEURE_BY_US = (
        "force_majeure_by_us",
        _("Ended by us, a force majeure lasting over a month (16.4)"),
    )
    FORCE_MAJEURE_BY_CUSTOMER = (
        "force_majeure_by_customer",
        _("Ended by the customer, a force majeure lasting over a month (16.4)"),
    )


# CON-4: the terminations we decide (PLATFORM 17.4, 17.2, 13.1): only staff cancel them.
PROVIDER_TERMINATION_REASONS = frozenset(
    {
        TerminationReason.BREACH_BY_CUSTOMER,
        TerminationReason.SERVICE_CHANGE,
        TerminationReason.AUTHORITY,
        TerminationReason.FORCE_MAJEURE_BY_US,
    }
)

# PLATFORM 16.4: the terminations that need the day the force majeure was notified (16.3)
FORCE_MAJEURE_REASONS = frozenset(
    {TerminationReason.FORCE_MAJEURE_BY_US, TerminationReason.FORCE_MAJEURE_BY_CUSTOMER}
)

# CON-4: the terminations whose notice we gave (ours above, and a closing for inactivity, 17.3:
# « La résiliation donnera lieu à une information auprès du Client »): the customer reads the
# date we notified it, not a notice « received » from it.
NOTIFIED_BY_US = PROVIDER_TERMINATION_REASONS | {TerminationReason.INACTIVITY}

# CON-4: a termination under one of PLATFORM's clauses as the customer reads it (its contract's
# page, the e-mail telling it): the labels above are the back office's.
CLAUSE_REASON_TEXTS = {
    TerminationReason.BREACH_BY_CUSTOMER: _(
        "We are ending this contract for a breach of your obligations "
        "(article 17.4 of the general terms)."
    ),
    TerminationReason.BREACH_BY_US: _(
        "You ended this contract for a breach of our obligations "
        "(article 17.4 of the general terms)."
    ),
    TerminationReason.SERVICE_CHANGE: _(
        "We are ending this contract after a change of the services "
        "(article 17.2 of the general terms)."
    ),
    TerminationReason.AUTHORITY: _(
        "We are ending this contract on an authority's order or the loss of a licence "
        "(article 13.1 of the general terms)."
    ),
    TerminationReason.FORCE_MAJEURE_BY_US: _(
        "We are ending this contract because a force majeure has lasted more than a month "
        "since it was notified (article 16.4 of the general terms)."
    ),
    TerminationReason.FORCE_MAJEURE_BY_CUSTOMER: _(
        "You ended this contract because a force majeure has lasted more than a month since it "
        "was notified (article 16.4 of the general terms)."
    ),
}


class PriceChangeStatus(models.TextChoices):
    """CON-6: the pipeline of a price change (``PRICE_CHANGE_TRANSITIONS``)."""

    SCHEDULED = "scheduled", _("Scheduled")
    NOTIFIED = "notified", _("Customers notified")
    APPLIED = "applied", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")


# CON-6: the only moves a price change can make (``transition_price_change``); anything else
# raises InvalidTransition. Applied and cancelled are final: a change is applied once.
PRICE_CHANGE_TRANSITIONS: dict[str, set[str]] = {
    PriceChangeStatus.SCHEDULED: {PriceChangeStatus.NOTIFIED, PriceChangeStatus.CANCELLED},
    PriceChangeStatus.NOTIFIED: {PriceChangeStatus.APPLIED, PriceChangeStatus.CANCELLED},
    PriceChangeStatus.APPLIED: set(),
    PriceChangeStatus.CANCELLED: set(),
}
# Changes not yet in force: the ones the portal, the API and the run look ahead to.
PENDING_PRICE_CHANGE_STATUSES = {PriceChangeStatus.SCHEDULED, PriceChangeStatus.NOTIFIED}


class PriceChangeRefusal(models.TextChoices):
    """CON-6: what a customer facing a price increase may do, by the terms signed."""

    NONE = "none", _("No refusal right (TRUNK, SIP-UNL, HOSTED-W)")
    TERMINATE = (
        "terminate",
        _("Refuse an increase and terminate without fee, 30 days' notice (HOSTED-A 6)"),
    )
    OBJECT = (
        "object",
        _(
            "Object before the effective date and stop using the service; use after it accepts "
            "the new price (PLATFORM 12.2)"
        ),
    )


# CON-6, per preset, unless an offer's terms say otherwise: (notice in days, refusal right).
# HOSTED-A 6: at least 7 days, and an increase may be refused. PLATFORM 12.2: notice by e-mail
# before the effective date, no minimum stated: 30 days (our choice), and an objection. TRUNK,
# SIP-UNL, HOSTED-W say nothing of price changes: 30 days (our choice, as a careful operator
# gives), no refusal right.
PRICE_CHANGE_PRESET_RULES: dict[str, tuple[int, str]] = {
    Preset.HOSTED_A: (7, PriceChangeRefusal.TERMINATE),
    Preset.PLATFORM: (30, PriceChangeRefusal.OBJECT),
}
PRICE_CHANGE_DEFAULT_RULES: tuple[int, str] = (30, PriceChangeRefusal.NONE)

# CON-6, PLATFORM 7.1.2 / 12.2: the PLATFORM rule (``object``) lets the provider change alone
# only the tariff of the calls, with an objection (12.2, ``usage.services.tariff_changes``);
# subscription and option prices are fixed in the annexes (12.1), so a monthly price increase
# is an amendment the customer must accept before the effective date (7.1.2) — the right a
# contract under that rule has against one (``refusal_right``); not a rule of the terms.
PRICE_CHANGE_ACCEPT = "accept"


class PriceChangeResponse(models.TextChoices):
    """CON-6: a notified customer's answer to a price increase."""

    NONE = "none", _("None")
    REFUSED = "refused", _("Refused (termination without fee)")
    OBJECTED = "objected", _("Objected (termination without fee)")
    ACCEPTED = "accepted", _("Accepted (amendment signed)")
