"""The back office's forms that feed a service: an offer from a preset (CON-1), the inputs of
the contract actions (CON-7, CON-8, ACC-6), a price change (CON-6)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.inputs import typed_amount_field
from kernel.widgets import IsoDateInput
from offers.choices import SUSPENSION_NOTE_HELP, Preset, ProductKind, SuspensionReason
from offers.models import Offer, Product, Suspension


class OfferFromPresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("preset"), choices=Preset.choices)
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=120)
    main_product = forms.ModelChoiceField(
        label=_("main product"),
        queryset=Product.objects.filter(kind=ProductKind.MAIN, is_active=True),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Offer.objects.filter(code=code).exists():
            raise ValidationError(_("An offer with this code already exists."))
        return code


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=SuspensionReason.choices)
    note = forms.CharField(
        label=_("note"),
        max_length=Suspension._meta.get_field("note").max_length,
        required=False,
        help_text=SUSPENSION_NOTE_HELP,
    )


def suspension_facts(question: str, targets, data) -> tuple[str, list[tuple[str, str]]]:
    """CON-8: what a suspension stops, for whom and why, stated before anything is suspended:
    each customer with what of theirs stops (``targets``: (customer, what) pairs), the reason
    and the note, and that the service keeps being billed."""
    facts = [(str(customer), what) for customer, what in targets]
    facts += [
        (gettext("Reason"), str(SuspensionReason(data["reason"]).label)),
        (gettext("Note"), data["note"] or "—"),
        (gettext("Still billed"), gettext("Yes: a suspended service keeps being billed.")),
    ]
    return question, facts


class TrialForm(forms.Form):
    ends_on = forms.DateField(
        label=_("trial ends on"),
        help_text=_("Traffic before this day is rated but never invoiced (CON-7)."),
    )


class TrafficForm(forms.Form):
    day = forms.DateField(label=_("last day with traffic"))


class PriceChangeForm(forms.Form):
    offer = forms.ModelChoiceField(label=_("offer"), queryset=Offer.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.order_by("name"),
        help_text=_("The offer's main product or one of its options."),
    )
    new_monthly_price = typed_amount_field(
        _("new monthly price (€ excl. VAT)"), decimal_places=4, min_value=0
    )
    effective_date = forms.DateField(
        label=_("effective date"),
        widget=IsoDateInput(),
        help_text=_("The first day of a month, at least 7 days away."),
    )
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)
