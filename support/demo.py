"""Demo data of support (called by `manage.py load_demo`): a question and a failure notification
on the HOSTED-A demo contract, an outage of the HOSTED-W demo contract last month, and last
month's availability reports. Idempotent: each object is keyed by its subject or title."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Client, User
from kernel.clock import PARIS
from offers.models import Contract
from offers.periods import add_months, month_start
from support.choices import TicketKind, TicketSource
from support.models import Outage, Ticket
from support.services.outages import outage_record
from support.services.reports import availability_report_compute, contracts_for_sla_month
from support.services.tickets import ticket_open

QUESTION = "Renvoi d'appel vers un mobile"
FAILURE = "Plus de tonalité sur le site"
OUTAGE = "Panne du cœur de réseau (démo)"


def _contract(siren: str, offer_code: str) -> Contract | None:
    return (
        Contract.objects.filter(client__siren=siren, offer__code=offer_code)
        .select_related("client", "site")
        .order_by("pk")
        .first()
    )


def load() -> str:
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    hosted_a = _contract("812345676", "hosted-a")
    hosted_w = _contract("834567893", "hosted-w")
    last_month = add_months(month_start(timezone.localdate()), -1)
    created = 0
    if hosted_a is not None:
        client: Client = hosted_a.client
        if not Ticket.objects.filter(client=client, subject=QUESTION).exists():
            ticket_open(
                client=client,
                kind=TicketKind.QUESTION,
                subject=QUESTION,
                body="Bonjour, comment renvoyer les appels du standard vers mon mobile ?",
            )
            created += 1
        if not Ticket.objects.filter(client=client, subject=FAILURE).exists():
            ticket_open(
                client=client,
                kind=TicketKind.FAILURE,
                subject=FAILURE,
                body="Aucun poste n'a de tonalité depuis ce matin.",
                contract=hosted_a,
                source=TicketSource.PORTAL,
                reported_at=timezone.now() - timedelta(hours=2),
            )
            created += 1
    if hosted_w is not None and staff is not None:
        if not Outage.objects.filter(title=OUTAGE).exists():
            start = datetime(last_month.year, last_month.month, 12, 9, 0, tzinfo=PARIS)
            outage_record(
                title=OUTAGE,
                description="Appels entrants et sortants impossibles.",
                internal_note="Incident opérateur de transit, RFO demandé.",
                started_at=start,
                ended_at=start + timedelta(minutes=95),
                contracts=[hosted_w],
                actor=staff,
            )
            created += 1
    reports = 0
    for contract in contracts_for_sla_month(last_month).select_related("site"):
        if availability_report_compute(contract=contract, month=last_month):
            reports += 1
    return f"{created} new tickets/outages, {reports} reports for {last_month:%Y-%m}"
