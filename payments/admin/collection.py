"""Back office of the collection cases (BIL-7): the dunning queue and the suspension of a
customer for non-payment."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from kernel.admin import (
    SENT,
    SHOW,
    ServiceRowsAdmin,
    already_sent,
    confirmation_page,
    confirmation_step,
    run_each,
)
from kernel.money import money as euros
from offers.services.suspensions import contracts_to_suspend
from payments.models import CollectionCase
from payments.services.suspensions import client_suspend_for_non_payment


@admin.register(CollectionCase)
class CollectionCaseAdmin(ServiceRowsAdmin):
    """BIL-7: the collection state of every issued invoice (reminders, stage). Filter on
    "Suspension proposed" for the dunning queue; suspending acts on the whole customer."""

    list_display = [
        "invoice",
        "client",
        "due_date",
        "amount_due",
        "stage",
        "first_reminder_on",
        "second_reminder_on",
        "suspension_proposed_on",
        "settled_on",
    ]
    list_filter = ["stage"]
    # a partner-billed partner's own invoice has no customer: found by the partner (BIL-7)
    search_fields = [
        "invoice__number",
        "client__legal_name",
        "client__siren",
        "invoice__partner__name",
    ]
    list_select_related = ["invoice", "client"]
    fields = [
        "invoice",
        "client",
        "due_date",
        "amount_due",
        "stage",
        "first_reminder_on",
        "second_reminder_on",
        "suspension_proposed_on",
        "settled_on",
        "late_charges_posted",
    ]
    readonly_fields = fields
    actions = ["suspend_customer"]

    # no add form: written by the daily collection job

    @admin.display(description=_("due date"), ordering="invoice__due_date")
    def due_date(self, case):
        return case.invoice.due_date

    @admin.display(description=_("amount due"))
    def amount_due(self, case):
        return euros(case.invoice.amount_due)

    @admin.action(
        description=_("Suspend the customer's services for non-payment"), permissions=["act"]
    )
    def suspend_customer(self, request, queryset):
        """BIL-7 / CON-8: a confirmation page first says what stops, for whom — each customer
        and its contracts in service —, then the confirmation of that page suspends them."""
        clients = Client.objects.filter(
            pk__in=queryset.filter(client__isnull=False).values("client_id")
        ).order_by("legal_name", "pk")
        facts = [
            (
                str(client),
                ", ".join(c.reference for c in contracts_to_suspend(client).order_by("pk"))
                or gettext("No contract in service"),
            )
            for client in clients
        ]
        question = ngettext(
            "Suspend the services of %(count)d customer for non-payment?",
            "Suspend the services of %(count)d customers for non-payment?",
            len(facts),
        ) % {"count": len(facts)}
        shown = [question, *(f"{label}: {value}" for label, value in facts)]
        step = confirmation_step(request, shown)
        if step == SHOW:
            return confirmation_page(
                self, request, queryset, form=forms.Form(), question=question, facts=facts,
                shown=shown, title=gettext("Suspend for non-payment (BIL-7)"),
            )  # fmt: skip
        if step == SENT:
            return already_sent(self, request)

        def suspend(client):
            made = client_suspend_for_non_payment(client=client, actor=request.user)
            self.message_user(
                request,
                ngettext_lazy(
                    "%(client)s: %(count)d contract suspended.",
                    "%(client)s: %(count)d contracts suspended.",
                    "count",
                )
                % {"client": client, "count": len(made)},
                messages.INFO,
            )

        run_each(
            self,
            request,
            clients,
            suspend,
            ngettext_lazy(
                "%(count)d customer suspended for non-payment.",
                "%(count)d customers suspended for non-payment.",
                "count",
            ),
        )
