"""Portal forms of the offers domain."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kernel.clock import paris_today
from kernel.inputs import (
    MAX_QUANTITY,
    AsciiDecimalField,
    AsciiIntegerField,
    AtMostYearsAhead,
    BoundedDateField,
)

ISO_DATE = "%Y-%m-%d"  # what <input type="date"> sends and expects, whatever the language


class TerminationRequestForm(forms.Form):
    """CON-4: the date the customer wants the service to end (optional: as soon as the notice
    allows). The same form asks for the quote and, with ``confirming=True``, carries the date
    as a hidden field with a required "I confirm" checkbox, and what the quote showed
    (``shown_effective_date``, ``shown_fee``: the confirmation is refused if the quote has
    changed meanwhile).

    ``choices`` (PLATFORM with no requested date, CON-4): the effective dates offered side by
    side; confirming then requires one of them (``chosen_date``)."""

    requested_date = BoundedDateField(
        label=_("Requested termination date"),
        required=False,
        validators=[AtMostYearsAhead(10)],
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        help_text=_(
            "The first day without service. Leave empty to terminate as soon as the notice "
            "period allows."
        ),
    )
    chosen_date = forms.TypedChoiceField(
        label=_("Termination date"),
        coerce=date.fromisoformat,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the termination dates."),
            "invalid_choice": _(
                "The dates on offer have changed since the quote was shown: choose again."
            ),
        },
    )
    shown_effective_date = BoundedDateField(
        required=False, widget=forms.DateInput(format=ISO_DATE, attrs={"type": "hidden"})
    )
    shown_fee = AsciiDecimalField(
        required=False, max_digits=12, decimal_places=2, widget=forms.HiddenInput
    )
    confirm = forms.BooleanField(
        label=_("I confirm the termination of this contract and accept the fee shown above."),
        required=False,
    )

    def __init__(self, *args, confirming: bool = False, choices=(), **kwargs):
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
            for name in ("confirm", "shown_effective_date", "shown_fee"):
                del self.fields[name]
        if confirming and len(choices) > 1:
            self.fields["chosen_date"].choices = [(d.isoformat(), d.isoformat()) for d in choices]
        else:
            del self.fields["chosen_date"]

    def shows_another_quote(self, quote) -> bool:
        """True if the confirmation carries an effective date or a fee that ``quote`` (the
        quote recomputed now) no longer has: it must be shown again, not recorded."""
        data = getattr(self, "cleaned_data", {})
        shown_date, shown_fee = data.get("shown_effective_date"), data.get("shown_fee")
        return (shown_date is not None and shown_date != quote.effective_date) or (
            shown_fee is not None and shown_fee != quote.fee_amount
        )

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


class PriceChangeAcceptForm(forms.Form):
    """CON-6, PLATFORM 7.1.2: accepting a price increase — the amendment to the contract —
    recorded only with the box ticked."""

    confirm = forms.BooleanField(
        label=_("I accept the new price from the date shown, as an amendment to my contract."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )


class PriceChangeRefusalForm(forms.Form):
    """CON-6: refusing a price increase (HOSTED-A 6) or objecting to it (PLATFORM 12.2). The
    page shows the consequences for the date asked (``shown_effective_date``: the end date
    shown); the refusal is recorded only with the box ticked and if that date still holds."""

    requested_date = BoundedDateField(
        label=_("Requested end date"),
        required=False,
        validators=[AtMostYearsAhead(10)],  # a termination's bounds, as the API's (CON-4)
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        help_text=_("Optional: a later date for the contract to end."),
    )
    shown_effective_date = BoundedDateField(
        required=False, widget=forms.DateInput(format=ISO_DATE, attrs={"type": "hidden"})
    )
    confirm = forms.BooleanField(
        label=_("I confirm: my contract ends on the date shown above, without termination fee."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )

    @classmethod
    def shown_again(cls, data, quote) -> "PriceChangeRefusalForm":
        """The form carrying the end date recomputed now, unconfirmed, with a word why."""
        data = data.copy()
        data["shown_effective_date"] = quote.effective_date.isoformat()
        data.pop("confirm", None)
        form = cls(data)
        form.is_valid()
        form.errors.pop("confirm", None)
        form.add_error(None, _("The end date has changed: check it below and confirm again."))
        return form


class LineQuantityForm(forms.Form):
    """CON-2: the new quantity of a contract line. The same form asks for the quote and, on
    confirmation, carries what the quote showed (``shown_prorata``, ``shown_effective_on``): the
    change is refused if the quote has changed meanwhile (a confirmation after midnight)."""

    quantity = AsciiIntegerField(
        label=_("New quantity"),
        min_value=0,  # 0 ends a PLATFORM / HOSTED-W option; the service refuses it elsewhere
        max_value=MAX_QUANTITY,
        error_messages={"min_value": _("A line keeps at least 1 unit.")},
    )
    shown_prorata = AsciiDecimalField(
        required=False, max_digits=12, decimal_places=2, widget=forms.HiddenInput
    )
    shown_effective_on = BoundedDateField(
        required=False, widget=forms.DateInput(format=ISO_DATE, attrs={"type": "hidden"})
    )

    def shows_another_quote(self, quote) -> bool:
        """True if the confirmation carries an amount or a date that ``quote`` (recomputed now)
        no longer has."""
        data = getattr(self, "cleaned_data", {})
        shown_amount, shown_day = data.get("shown_prorata"), data.get("shown_effective_on")
        return (shown_amount is not None and shown_amount != quote.prorata_amount) or (
            shown_day is not None and shown_day != quote.effective_on
        )
