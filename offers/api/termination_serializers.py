"""Partner API of terminations (CON-4, CON-5): a termination as recorded, its fee breakdown,
the request and the quote shown before it.

Money is always a string (``COERCE_DECIMAL_TO_STRING``): fees keep 2 decimals, the monthly base
of a fee line 4.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from kernel.inputs import AtMostYearsAhead
from kernel.money import round_money
from offers.choices import FeeRule
from offers.models import Termination
from offers.termination_fees import PlatformEnding

# One text per field name, whichever component shows it (a quote, an option, a termination).
FEE_AMOUNT = _(
    "The termination fee, rounded to the cent (€ excl. VAT, CON-5); 0.00 if none is due."
)
FEE_RULE = _(
    "The rule the fee is computed by (CON-5): none (nothing beyond the current month), "
    "remaining_months (HOSTED-W 8.1), allset_sliding (HOSTED-A 5) or commitment_max (PLATFORM "
    "24.4.5); a PLATFORM non-renewal is none."
)
FEE_START = _("Fees are counted from this day.")
FEE_LINES = _("The fee's breakdown, one line per rate (CON-5); empty when no fee is due.")
EFFECTIVE_DATE = _("The first day without service.")
NOTICE_DATE = _(
    "The notice's date (Paris date, CON-4): the day the customer's notice was received (its "
    "request in the portal or the API, or its letter; a PLATFORM letter, the day it was sent: "
    "letter_sent_on); for a termination we notified (breach_by_customer, service_change, "
    "authority, force_majeure_by_us, inactivity), the day we notified it."
)
REQUESTED_DATE = _(
    "The first day without service that was requested; null if none (the earliest date the "
    "notice allows)."
)


class FeeLineSerializer(api_fields.Serializer):
    """One line of a fee breakdown (CON-5): ``months × rate_percent % × monthly_base``."""

    label = serializers.CharField(
        help_text=_(
            "A stable key, for display: remaining_months, allset_sliding.initial_first_year, "
            "allset_sliding.initial_beyond_first_year, allset_sliding.renewal_first_3_months, "
            "allset_sliding.renewal_beyond_3_months, commitment_max.subscriptions or "
            "commitment_max.minimum_commitment."
        )
    )
    months = serializers.IntegerField(
        help_text=_("The months counted: whole months, a part of a month counting as one.")
    )
    rate_percent = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        help_text=_("The share of monthly_base due each month, per cent: 100 or 50."),
    )
    monthly_base = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        help_text=_(
            "The monthly amount the rate applies to: the contract's monthly fees, or its minimum "
            "monthly commitment (commitment_max.minimum_commitment) (€ excl. VAT)."
        ),
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "months × rate_percent % × monthly_base, rounded to the cent for display (€ excl. "
            "VAT); only the fee's total is authoritative."
        ),
    )


class TerminationSerializer(representation.ModelSerializer):
    contract = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("The contract's id."))
    fee_breakdown = FeeLineSerializer(many=True, read_only=True, help_text=FEE_LINES)

    class Meta:
        model = Termination
        fields = [
            "id",
            "contract",
            "status",
            "reason",
            "notice_at",
            "notice_date",
            "letter_sent_on",
            "force_majeure_notified_on",
            "requested_date",
            "effective_date",
            "fee_rule",
            "fee_start",
            "fee_amount",
            "fee_breakdown",
            "cancelled_at",
            "applied_at",
            "created_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The termination's id."),
            status=_(
                "scheduled (cancellable until the effective date), then effective (the contract "
                "ended), or cancelled (CON-4)."
            ),
            reason=_(
                "Why: customer_request, non_renewal (at an anniversary), price_increase_refused "
                "(CON-6, without fee), inactivity (ACC-6), reseller (ended by the reseller), "
                "port_out (its numbers ported out, NUM-4), or, without fee (PLATFORM 17.6): "
                "breach_by_customer (ended by us, 17.4; only we cancel it), breach_by_us (ended "
                "by the customer, 17.4), service_change (ended by us after a change of the "
                "services, 17.2), authority (ended by us on an authority's order, 13.1), "
                "force_majeure_by_us or force_majeure_by_customer (ended by us, or by the "
                "customer, a force majeure lasting over a month after its notification, 16.4; "
                "only we cancel ours)."
            ),
            notice_at=_(
                "When the termination was recorded (the customer's notice received, or ours "
                "given), with its UTC offset (CON-4)."
            ),
            notice_date=NOTICE_DATE,
            letter_sent_on=_(
                "PLATFORM (8.2, 17.1): the day the customer's registered letter was sent, which "
                "its notice counts from (then its notice_date); null otherwise."
            ),
            force_majeure_notified_on=_(
                "PLATFORM 16.4 (force_majeure_by_us, force_majeure_by_customer): the day the "
                "force majeure was notified (16.3), more than a month before the notice; null "
                "otherwise."
            ),
            requested_date=REQUESTED_DATE,
            fee_rule=FEE_RULE,
            fee_start=FEE_START,
            fee_amount=FEE_AMOUNT,
            cancelled_at=_("When it was cancelled, with its UTC offset; null unless cancelled."),
            applied_at=_("When it was applied, with its UTC offset; null until then."),
            created_at=api_fields.CREATED_AT,
        )


# --- Commands -------------------------------------------------------------------------------


class TerminationRequestSerializer(api_fields.Serializer):
    requested_date = api_fields.DateField(
        required=False,
        allow_null=True,
        validators=[AtMostYearsAhead(10)],  # from 2000, at most 10 years ahead
        help_text=_(
            "The first day without service wished for; the notice rule may push it back. "
            "Without it, the earliest date the notice allows. PLATFORM: to choose an option "
            "of the quote, send its effective_date."
        ),
    )
    expected_effective_date = api_fields.DateField(
        required=False,
        allow_null=True,
        validators=[AtMostYearsAhead(10)],
        help_text=_(
            "Optional, on a request: the effective date of the quote the customer accepted. "
            "If the termination would now take effect on another day, nothing is recorded "
            "(400)."
        ),
    )
    expected_fee_amount = api_fields.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_(
            "Optional, on a request: the fee of the quote the customer accepted. If the fee "
            "would now differ, nothing is recorded (400)."
        ),
    )


class TerminationOptionSerializer(api_fields.Serializer):
    """CON-4 (PLATFORM): one date a customer who asked for no date may choose."""

    ending = serializers.ChoiceField(
        choices=[e.value for e in PlatformEnding],
        help_text=_(
            "non_renewal: at an anniversary, without fee (PLATFORM 8.2); convenience: any "
            "other date, with the termination fee (PLATFORM 17.1)."
        ),
    )
    effective_date = serializers.DateField(help_text=EFFECTIVE_DATE)
    fee_start = serializers.DateField(help_text=FEE_START)
    fee_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=FEE_AMOUNT)
    fee_rule = serializers.ChoiceField(choices=FeeRule.choices, help_text=FEE_RULE)
    lines = FeeLineSerializer(many=True, help_text=FEE_LINES)


def _fee_lines(quote) -> list[dict]:
    """Line amounts rounded to the cent for display; only the total is authoritative (SPEC
    "Money")."""
    return [
        {
            "label": line.label,
            "months": line.months,
            "rate_percent": line.rate_percent,
            "monthly_base": line.monthly_base,
            "amount": round_money(line.amount),
        }
        for line in ([] if quote.fee_waived else quote.fee.lines)
    ]


class TerminationQuoteSerializer(api_fields.Serializer):
    """CON-4/CON-5: what a termination requested now would cost. Nothing is written.

    PLATFORM only: ``ending`` (non_renewal or convenience) and, when no date was requested,
    ``options``: the dates to choose between, earliest first (the earliest date with its fee,
    and the first anniversary at least 3 months after the notice without fee; one option when
    they are the same day). The top-level fields are the earliest option's, which a request
    without date gets; to choose another, request its ``effective_date``."""

    notice_date = serializers.DateField(help_text=NOTICE_DATE)
    requested_date = serializers.DateField(allow_null=True, help_text=REQUESTED_DATE)
    effective_date = serializers.DateField(help_text=EFFECTIVE_DATE)
    fee_start = serializers.DateField(help_text=FEE_START)
    fee_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=FEE_AMOUNT)
    fee_rule = serializers.ChoiceField(choices=FeeRule.choices, help_text=FEE_RULE)
    lines = FeeLineSerializer(many=True, help_text=FEE_LINES)
    ending = serializers.ChoiceField(
        choices=[e.value for e in PlatformEnding],
        required=False,
        help_text=_("PLATFORM only."),
    )
    options = TerminationOptionSerializer(
        many=True, required=False, help_text=_("PLATFORM only, when no date was requested.")
    )

    @staticmethod
    def from_quote(quote) -> dict:
        """The plain values of a ``TerminationQuote`` (``offers.services.terminations``)."""
        data = {
            "notice_date": quote.notice_date,
            "requested_date": quote.requested_date,
            "effective_date": quote.effective_date,
            "fee_start": quote.fee.fee_start,
            "fee_amount": quote.fee_amount,
            "fee_rule": quote.fee.rule,
            "lines": _fee_lines(quote),
        }
        if quote.ending:
            data["ending"] = quote.ending
        if quote.options:
            data["options"] = [
                {
                    "ending": option.ending,
                    "effective_date": option.effective_date,
                    "fee_start": option.fee.fee_start,
                    "fee_amount": option.fee_amount,
                    "fee_rule": option.fee.rule,
                    "lines": _fee_lines(option),
                }
                for option in quote.options
            ]
        return data
