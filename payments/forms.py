"""Forms of the customer portal's payments pages (BIL-8). The business rules (the 60-day
window, the amount ≤ the invoice total, the documents' type, size and number) are checked by
``payments.services.dispute_open``; the forms only parse what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.inputs import MAX_TEXT, typed_amount_field

DOCUMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files (possibly none) as a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [cleaned for item in files if item and (cleaned := single(item, initial))]


class DisputeForm(forms.Form):
    amount = typed_amount_field(_("Amount disputed (incl. VAT, €)"))  # "12,50" as typed
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say which lines or charges you dispute and why."),
    )
    documents = MultipleFileField(
        label=_("Supporting documents"),
        required=False,
        help_text=_("Optional: up to 5 files, PDF, PNG or JPEG, 5 MB each."),
    )

    def __init__(self, *args, invoice=None, **kwargs):
        # ``invoice``: the views pass it; the ceiling (its total) is the service's check.
        super().__init__(*args, **kwargs)
