"""Forms of the consumption pages: the month shown, the alert threshold."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.inputs import AsciiDecimalField, MonthField


class MonthForm(forms.Form):
    month = MonthField(required=False)


class ThresholdForm(forms.Form):
    amount = AsciiDecimalField(
        label=_("Monthly threshold (€ excl. VAT)"),
        localize=True,  # "12,50" as a French user types it
        required=False,
        min_value=Decimal("1"),
        max_value=Decimal("1000000"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Leave empty to remove the alerts."),
        error_messages={
            "min_value": _("The threshold is at least 1 € a month."),
            "max_value": _("The threshold is at most 1,000,000 € a month."),
        },
    )
    block_outgoing = forms.BooleanField(
        label=_(
            "Block outgoing calls once the threshold is reached (emergency numbers stay reachable)"
        ),
        required=False,
    )
