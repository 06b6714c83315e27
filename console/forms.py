"""Forms of the staff console. They parse what was typed; the rules (a dispute decided once,
the SLA cap, a ticket's moves) are the services'. A form that moves money is shown twice: the
first submission previews the amounts, the second (``confirm``) calls the service."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Partner, User
from kernel.clock import paris_today
from kernel.inputs import (
    MAX_TEXT,
    AsciiModelChoiceField,
    BoundedDateField,
    BoundedDateTimeField,
    typed_amount_field,
)
from offers.choices import (
    FORCE_MAJEURE_REASONS,
    SUSPENSION_NOTE_HELP,
    ContractStatus,
    SuspensionReason,
    TerminationReason,
)
from offers.models import Suspension
from offers.services.suspensions import contracts_to_suspend
from offers.services.terminations import check_force_majeure, check_letter_sent_on
from payments.choices import RECORDED_METHODS, PaymentMethod
from support.choices import TICKET_TRANSITIONS, TicketStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    partner = AsciiModelChoiceField(
        Partner.objects.order_by("name"), required=False, label=_("Partner"), empty_label=_("All")
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_staff=True, is_active=True).order_by("email")
        self.fields["assignee"].choices = [
            ("", _("Everyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *((str(user.pk), user.get_full_name() or user.email) for user in staff),
        ]


class TicketAnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )
    internal = forms.BooleanField(
        label=_("Internal note (staff only)"),
        required=False,
        help_text=_("Not sent to the customer."),
    )
    status = forms.ChoiceField(label=_("Then set the status to"), required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        moves = TICKET_TRANSITIONS.get(ticket.status, set())
        self.fields["status"].choices = [("", _("(unchanged)"))] + [
            (value, label) for value, label in TicketStatus.choices if value in moves
        ]


class DisputeDecisionForm(forms.Form):
    ACCEPT, REJECT = "accept", "reject"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept: issue the credit note")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason (told to the customer)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_due_date = BoundedDateField(
        label=_("New due date (if rejected)"),
        required=False,
        widget=DATE,
        help_text=_("30 days from today when empty."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not (data.get("note") or "").strip():
            self.add_error("note", _("Tell the customer why the dispute is rejected."))
        return data


class CreditDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve the credit")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason of a refusal (told to the customer)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason of the refusal."))
        return data


class OutageEndForm(forms.Form):
    ended_at = BoundedDateTimeField(
        label=_("Ended at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Paris time."),
    )


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Customer"),
        max_length=200,
        required=False,
        help_text=_("Name, SIREN, e-mail or invoice number."),
    )


class PaymentRecordForm(forms.Form):
    amount = typed_amount_field(_("Amount (incl. VAT)"))  # "678,53" as French staff type it
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(v, label) for v, label in PaymentMethod.choices if v in RECORDED_METHODS],
    )
    received_on = BoundedDateField(label=_("Received on"), widget=DATE)
    reference = forms.CharField(label=_("Bank reference"), max_length=80, required=False)


class ContractActionForm(forms.Form):
    contract = AsciiModelChoiceField(queryset=None, label=_("Contract"))

    def __init__(self, *args, client, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = client.contracts.filter(
            status__in=statuses
        ).select_related("offer")


class SuspendForm(ContractActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=SuspensionReason.choices)
    note = forms.CharField(
        label=pgettext_lazy("comment", "Note"),
        max_length=Suspension._meta.get_field("note").max_length,
        required=False,
        help_text=SUSPENSION_NOTE_HELP,
    )

    def __init__(self, *args, client, **kwargs):
        # CON-8: an active contract, or one under notice whose service is not suspended yet
        # (``contracts_to_suspend``: it keeps its termination date)
        super().__init__(*args, client=client, statuses=[ContractStatus.ACTIVE], **kwargs)
        self.fields["contract"].queryset = contracts_to_suspend(client).select_related("offer")


class InactiveCloseForm(ContractActionForm):
    """ACC-6: a contract flagged inactive (six months without a call), closed without fees."""

    def __init__(self, *args, client, **kwargs):
        super().__init__(
            *args,
            client=client,
            statuses=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED],
            **kwargs,
        )
        self.fields["contract"].queryset = self.fields["contract"].queryset.filter(
            inactive_flagged_on__isnull=False
        )


class TerminateForm(ContractActionForm):
    # CON-4: whose termination, under which clause — the customer's notice (PLATFORM: convenience
    # 17.1 or non-renewal 8.2, with the terms' fee), or a PLATFORM termination for a breach
    # (17.4.1, either party), ours after a change of the services (17.2) or on an authority's
    # order (13.1.6 / 13.1.8), each with its notice and without fee (17.6).
    reason = forms.ChoiceField(
        label=_("Termination"),
        choices=[
            (TerminationReason.CUSTOMER_REQUEST, _("The customer's notice")),
            *(
                (reason.value, reason.label)
                for reason in (
                    TerminationReason.BREACH_BY_CUSTOMER,
                    TerminationReason.BREACH_BY_US,
                    TerminationReason.SERVICE_CHANGE,
                    TerminationReason.AUTHORITY,
                    TerminationReason.FORCE_MAJEURE_BY_US,
                    TerminationReason.FORCE_MAJEURE_BY_CUSTOMER,
                )
            ),
        ],
        initial=TerminationReason.CUSTOMER_REQUEST,
        required=False,
        help_text=_(
            "PLATFORM only besides the customer's notice: a breach (17.4, a month's notice), a "
            "change of the services (17.2, a month), an authority's order or a licence lost "
            "(13.1, no notice), a force majeure lasting beyond a month after its notification "
            "(16.4, no notice); none of them carries a fee (17.6, 16.4)."
        ),
    )
    # PLATFORM 16.4: the month the force majeure must last beyond counts from its notification
    force_majeure_notified_on = BoundedDateField(
        label=_("Force majeure notified on"),
        required=False,
        widget=DATE,
        help_text=_(
            "Force majeure only (16.4): the day its notification was sent (16.3); the contract "
            "may be ended once it lasts beyond a month from that day."
        ),
    )
    requested_date = BoundedDateField(
        label=_("Requested date"),
        required=False,
        widget=DATE,
        help_text=_("Empty: the earliest date the notice allows."),
    )
    # CON-4: staff record the customer's written notice (a registered letter, PLATFORM 8.2 /
    # 17.1): its notice date is the day it was received, not the day it is typed in.
    notice_date = BoundedDateField(
        label=_("Notice received on"),
        required=False,
        widget=DATE,
        help_text=_(
            "The day the written notice (the customer's, or ours by the customer) was received. "
            "Empty: today."
        ),
    )
    # PLATFORM 8.2 / 17.1: « au moyen de l'envoi d'une lettre recommandée au moins trois (3)
    # mois avant la date anniversaire »: the customer's letter counts from its sending.
    letter_sent_on = BoundedDateField(
        label=_("Letter sent on"),
        required=False,
        widget=DATE,
        help_text=_(
            "PLATFORM only: the day the customer's registered letter was sent (its postmark), "
            "which its notice counts from (8.2, 17.1). Empty: the day it was received."
        ),
    )

    def clean_reason(self):
        return self.cleaned_data.get("reason") or TerminationReason.CUSTOMER_REQUEST

    def clean(self):
        cleaned = super().clean()
        sent_on, contract = cleaned.get("letter_sent_on"), cleaned.get("contract")
        if sent_on is not None and contract is not None and "notice_date" not in self.errors:
            try:
                check_letter_sent_on(
                    contract, sent_on, cleaned.get("notice_date"), cleaned.get("reason")
                )
            except ValidationError as error:
                self.add_error(None, error)
        notified_on, reason = cleaned.get("force_majeure_notified_on"), cleaned.get("reason")
        if (
            (notified_on is not None or reason in FORCE_MAJEURE_REASONS)
            and "force_majeure_notified_on" not in self.errors
            and "notice_date" not in self.errors
        ):
            try:
                check_force_majeure(
                    reason, notified_on, sent_on or cleaned.get("notice_date") or paris_today()
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def __init__(self, *args, client, **kwargs):
        super().__init__(
            *args,
            client=client,
            statuses=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED],
            **kwargs,
        )

    def clean_notice_date(self):
        notice_date = self.cleaned_data.get("notice_date")
        if notice_date is not None and notice_date > paris_today():
            raise forms.ValidationError(_("A notice cannot be received in the future."))
        return notice_date
