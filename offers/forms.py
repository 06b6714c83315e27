"""Portal forms of the offers domain."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from offers.services.clock import paris_today

ISO_DATE = "%Y-%m-%d"  # what <input type="date"> sends and expects, whatever the language


class TerminationRequestForm(forms.Form):
    """CON-4: the date the customer wants the service to end (optional: as soon as the notice
    allows). The same form asks for the quote and, with ``confirming=True``, carries the date
    as a hidden field with a required "I confirm" checkbox."""

    requested_date = forms.DateField(
        label=_("Requested termination date"),
        required=False,
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        help_text=_(
            "The first day without service. Leave empty to terminate as soon as the notice "
            "period allows."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the termination of this contract and accept the fee shown above."),
        required=False,
    )

    def __init__(self, *args, confirming: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirming = confirming
        if confirming:
            self.fields["requested_date"].widget = forms.DateInput(
                format=ISO_DATE, attrs={"type": "hidden"}
            )
            self.fields["confirm"].required = True
            self.fields["confirm"].error_messages["required"] = _(
                "Tick the box to confirm the termination."
            )
        else:
            del self.fields["confirm"]

    def clean_requested_date(self):
        requested = self.cleaned_data["requested_date"]
        today = paris_today()
        if requested is not None and requested < today:
            raise ValidationError(
                _(
                    "The requested date is in the past. Choose today (%(today)s) or a later "
                    "date, or leave the field empty."
                ),
                code="past",
                params={"today": date_format(today, "SHORT_DATE_FORMAT")},
            )
        return requested
