"""Demo data of payments: the ECB rate table, a SEPA mandate for Cabinet Martin Avocats and a
prepaid balance for Boulangeries Durand. Idempotent."""

from datetime import date

from accounts.models import Client
from kernel.clock import paris_today
from payments import selectors
from payments.models import EcbRate
from payments.services.late_charges import ecb_rate_set
from payments.services.mandates import mandate_create
from payments.services.prepaid import prepaid_topup_record

# ECB main refinancing rate in force on 1 January / 1 July (BIL-6).
ECB_RATES = {
    date(2025, 1, 1): "3.15",
    date(2025, 7, 1): "2.15",
    date(2026, 1, 1): "2.15",
    date(2026, 7, 1): "2.15",
}


def load() -> str:
    for day, rate in ECB_RATES.items():
        if not EcbRate.objects.filter(effective_on=day).exists():
            ecb_rate_set(effective_on=day, rate=rate)
    done = []
    martin = Client.objects.filter(legal_name="Cabinet Martin Avocats").first()
    if martin and selectors.active_mandate(martin) is None:
        mandate_create(
            client=martin,
            account_holder="Cabinet Martin Avocats",
            iban="FR1420041010050500013M02606",
            bic="PSSTFRPPPAR",
            signed_on=date(2026, 1, 5),
            reference="RUM-DEMO-MARTIN-0001",
        )
        done.append("mandate")
    durand = Client.objects.filter(legal_name="Boulangeries Durand SARL").first()
    if durand and not selectors.prepaid_entries(durand).exists():
        prepaid_topup_record(
            client=durand,
            amount_received="250.00",
            bank_fee="1.20",
            received_on=paris_today(),
            reference="VIR DEMO DURAND",
        )
        done.append("prepaid top-up")
    return f"{len(ECB_RATES)} ECB rates; " + (", ".join(done) or "already loaded")
