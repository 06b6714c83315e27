"""Back office of the collection cases (BIL-7): the dunning queue and the suspension of a
customer for non-payment."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Client
from kernel.admin import ServiceRowsAdmin, run_each
from kernel.money import money as euros
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
        clients = Client.objects.filter(
            pk__in=queryset.filter(client__isnull=False).values("client_id")
        )

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
