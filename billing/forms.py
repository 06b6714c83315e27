"""Portal forms of billing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.choices import DocumentKind
from billing.selectors import InvoiceFilters


class InvoiceFilterForm(forms.Form):
    """The invoice list's filters, read from the query string. A value that is not one of the
    choices (a year without documents, an unknown kind) is ignored rather than refused: the
    list then shows everything for that criterion."""

    kind = forms.ChoiceField(
        label=_("Document"),
        required=False,
        choices=[("", _("Invoices and credit notes")), *DocumentKind.choices],
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    due = forms.BooleanField(label=_("With an amount due only"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(y, str(y)) for y in years]]

    def filters(self) -> InvoiceFilters:
        self.is_valid()
        cleaned = self.cleaned_data
        return InvoiceFilters(
            kind=cleaned.get("kind") or None,
            year=cleaned.get("year"),
            due_only=bool(cleaned.get("due")),
        )

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(filters.kind or filters.year or filters.due_only)
