"""Portal forms of trunks and SIP accounts (TRK-3, TRK-4, TRK-6, ACC-7)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.inputs import AsciiDecimalField, AsciiIntegerField
from telephony.choices import PaymentChoice
from telephony.packs import DEFAULT_CAP


class ChannelChangeForm(forms.Form):
    """TRK-3 / TRK-4: the total number of channels wanted on the trunk. Above the current
    capacity it is an increase (an order, paid now), below it a decrease (next renewal date).
    The bounds come from the trunk's pack table (1..its cap, at most 200 channels, TRUNK 2)."""

    total = AsciiIntegerField(
        label=_("Channels wanted"),
        min_value=1,
        error_messages={"min_value": _("A trunk keeps at least one channel.")},
    )

    def __init__(self, *args, max_channels: int = DEFAULT_CAP, **kwargs):
        super().__init__(*args, **kwargs)
        max_channels = min(max_channels, DEFAULT_CAP)
        field = self.fields["total"]
        field.validators.append(_MaxChannels(max_channels))
        field.widget.attrs.update(
            {"min": 1, "max": max_channels, "step": 1, "inputmode": "numeric", "class": "tel-total"}
        )


class _MaxChannels:
    """TRK-1: at most the table's cap (200 channels)."""

    def __init__(self, cap: int):
        self.cap = cap

    def __call__(self, value):
        if value is not None and value > self.cap:
            raise forms.ValidationError(
                _("A trunk holds at most %(max)s channels.") % {"max": self.cap},
                code="capacity_exceeded",
            )


class OrderPayForm(forms.Form):
    """TRK-3: how the customer pays an order from the portal (staff record transfers)."""

    method = forms.ChoiceField(
        choices=[
            (PaymentChoice.PREPAID, PaymentChoice.PREPAID.label),
            (PaymentChoice.DIRECT_DEBIT, PaymentChoice.DIRECT_DEBIT.label),
        ]
    )
    # The amount incl. VAT the page showed: the payment is refused if it changed meanwhile.
    expected_amount = AsciiDecimalField(
        required=False, max_digits=12, decimal_places=2, widget=forms.HiddenInput
    )
