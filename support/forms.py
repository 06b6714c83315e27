"""Forms of the customer portal's support pages (SLA-1, SLA-10). The business rules (a failure
notification names one of the customer's contracts, the attachments' size and type, who may
write) are checked by ``support.services``; the forms only parse what was typed and say the
limits."""

from django import forms
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.inputs import MAX_FILES, MAX_TEXT, AsciiModelChoiceField, BoundedDateTimeField
from offers.models import Contract
from support.choices import TicketKind, TicketStatus
from support.selectors import TicketFilters
from support.services.attachments import ALLOWED_ATTACHMENTS, MAX_ATTACHMENT_BYTES
from support.services.tickets import contract_not_in_service_message, ticket_contracts

ATTACHMENT_ACCEPT = ",".join(ALLOWED_ATTACHMENTS)


def attachment_limits() -> str:
    """The limits of ``services.attachment_check``, as the customer reads them."""
    types = ", ".join(dict.fromkeys(ext[1:].upper() for ext in ALLOWED_ATTACHMENTS))
    return gettext("Optional. %(size)d MB at most per file; %(types)s.") % {
        "size": MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "types": types,
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several uploaded files (possibly none, at most ``MAX_FILES``) as a list; their type and
    size are checked by the service, which names each file refused."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        super().__init__(*args, **kwargs)
        # Lazy: the field is built when the module loads, the text in each page's language.
        self.help_text = lazy(attachment_limits, str)()

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [cleaned for item in files if item and (cleaned := single(item, initial))]
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(max)s files per message."),
                code="too_many_files",
                params={"max": MAX_FILES},
            )
        return cleaned


class ContractChoiceField(AsciiModelChoiceField):
    def label_from_instance(self, contract):
        site = f" · {contract.site.name}" if contract.site_id else ""
        label = f"{contract.reference} — {contract.offer.display_name}{site}"
        if getattr(contract, "terminated_on", None) is not None:
            # SLA-1: a question about its final invoice, a credit or an item to return
            return gettext("%(contract)s (terminated on %(date)s: questions only)") % {
                "contract": label,
                "date": date_format(contract.terminated_on, "SHORT_DATE_FORMAT"),
            }
        if getattr(contract, "in_service", True):
            return label
        # SLA-1: listed for a question; a failure notification about it is refused.
        return gettext("%(contract)s (not in service: questions only)") % {"contract": label}


class TicketForm(forms.Form):
    """SLA-1: a question, or a failure notification naming the failing service."""

    kind = forms.ChoiceField(
        label=_("Type of request"),
        choices=TicketKind.choices,
        initial=TicketKind.QUESTION,
        widget=forms.RadioSelect,
    )
    contract = ContractChoiceField(
        label=_("Service concerned"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("— None —"),
        help_text=_("Required for a failure notification: the service that fails."),
    )
    # SLA-1 / SLA-4: the customer may say when the failure began, before the report (HOSTED-W
    # counts its restoration target from then); ``ticket_open`` refuses a later one.
    detected_at = BoundedDateTimeField(
        label=_("Failure detected"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "Optional, for a failure notification: when the failure began, if before now "
            "(Paris time)."
        ),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=pgettext_lazy("ticket", "Description"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "For a failure: what no longer works, since when, and on which lines or phones."
        ),
    )
    attachments = AttachmentsField()

    def __init__(self, *args, client, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        # ACC-2: the kinds the member may open (``permissions.ticket_kinds_for``): the billing
        # role asks questions about its invoices and payments, nothing else.
        if kinds is not None and set(kinds) != set(TicketKind.values):
            self.fields["kind"].choices = [
                (TicketKind.QUESTION, _("Question about an invoice or a payment"))
                if kind == TicketKind.QUESTION
                else (kind, TicketKind(kind).label)
                for kind in kinds
            ]
            self.fields["kind"].initial = kinds[0]
            self.fields["body"].help_text = _(
                "The invoice number and what you want to know about it or about a payment."
            )
            self.fields["contract"].help_text = _("Optional: the service your question is about.")
        # SLA-1: live contracts, then those terminated within the last 12 months
        self.fields["contract"].queryset = ticket_contracts(client)

    def clean(self):
        data = super().clean()
        contract = data.get("contract")
        # SLA-1: the service's rule, shown before anything is checked further
        if data.get("kind") == TicketKind.FAILURE and contract and not contract.in_service:
            self.add_error("contract", contract_not_in_service_message(contract))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = AttachmentsField()


# The list's status filter: open (every open status), resolved or closed.
STATUS_FILTERS = [
    ("", _("All tickets")),
    ("open", pgettext_lazy("tickets", "Open")),
    (TicketStatus.RESOLVED.value, TicketStatus.RESOLVED.label),
    (TicketStatus.CLOSED.value, TicketStatus.CLOSED.label),
]


class TicketFilterForm(forms.Form):
    """The ticket list's filters, read from the query string; an unknown value is ignored."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Questions and failures")), *TicketKind.choices],
    )

    def filters(self) -> TicketFilters:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return TicketFilters(status=cleaned.get("status") or "", kind=cleaned.get("kind") or "")

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(filters.status or filters.kind)
