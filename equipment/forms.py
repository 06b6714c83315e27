"""Portal forms of equipment (bounded inputs, ``kernel.inputs``)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from equipment.choices import Tenure
from equipment.models import EquipmentModel
from equipment.services.orders import MAX_QUANTITY, rental_commitments
from equipment.services.rma import MAX_PHOTOS
from kernel.inputs import AsciiIntegerField, AsciiModelChoiceField, BoundedDateField
from kernel.money import money
from payments.services.allocation import partner_collects
from support.forms import MultipleFileInput


class SiteFilterForm(forms.Form):
    site = AsciiModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("All sites")
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = client.sites.order_by("name")

    def selected_site(self):
        return self.cleaned_data.get("site") if self.is_bound and self.is_valid() else None


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` photos; their type and size are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg"}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("help_text", _("PNG or JPEG, up to 5 photos of 10 MB each."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [c for f in files if f and (c := single(f, initial))]
        if len(cleaned) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 5 photos."), code="too_many_files")
        return cleaned


class RmaForm(forms.Form):
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Symptoms, since when, what you have already tried."),
    )
    photos = PhotosField()


class RentalEndForm(forms.Form):
    requested_date = BoundedDateField(
        label=_("End date (first day without the equipment)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to end the rental as soon as possible."),
    )


class RentalConfirmForm(RentalEndForm):
    expected_effective_date = forms.DateField(widget=forms.HiddenInput)
    expected_fee = forms.DecimalField(widget=forms.HiddenInput, max_digits=12, decimal_places=2)


def _model_with_prices(model: EquipmentModel) -> str:
    """EQP-1: a model as the request form lists it, with the catalogue's prices in force (the
    order form's, unless agreed otherwise): « Yealink T46U — achat 149,00 € HT, location 6,00 €
    HT par mois »."""
    return _("%(model)s — sale %(sale)s excl. VAT, rental %(rental)s excl. VAT a month") % {
        "model": model.display_name,
        "sale": money(model.sale_price),
        "rental": money(model.rental_price),
    }


class RequestForm(forms.Form):
    site = AsciiModelChoiceField(label=_("Site"), queryset=None, empty_label=_("— Choose a site —"))
    model = AsciiModelChoiceField(
        label=_("Model"), queryset=None, empty_label=_("— Choose a model —")
    )
    tenure = forms.ChoiceField(label=_("Sale or rental"), choices=Tenure.choices)
    commitment_months = forms.TypedChoiceField(
        label=_("Commitment of a rental (months)"), coerce=int, required=False, choices=()
    )
    quantity = AsciiIntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)
    note = forms.CharField(
        label=pgettext_lazy("comment", "Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = client.sites.order_by("name")
        self.fields["model"].queryset = EquipmentModel.objects.filter(is_sold=True)
        self.fields["model"].label_from_instance = lambda model: model.display_name  # SPEC §9
        if not partner_collects(client):
            # ACC-3: a partner-billed customer pays its partner's prices, never shown ours
            self.fields["model"].label_from_instance = _model_with_prices
        self.fields["commitment_months"].choices = [("", "—")] + [
            (m, m) for m in rental_commitments()
        ]

    def clean(self):
        data = super().clean()
        if data.get("tenure") == Tenure.RENTAL and not data.get("commitment_months"):
            self.add_error("commitment_months", _("Choose the commitment of the rental."))
        return data
