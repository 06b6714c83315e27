"""Models of the usage app. ``records``, ``tariffs``, ``imports`` and ``breaches`` are the call
records and their rating (ucore); further modules hold the money side (usurf)."""

from usage.models.breaches import FairUseBreach
from usage.models.imports import ImportBatch, ImportRejection
from usage.models.money import (  # noqa: F401 (usurf: the money side)
    BreachCredit,
    ConsumptionAlert,
    ConsumptionCutoff,
    ConsumptionThreshold,
    InvoiceAnnex,
    LimitBreach,
    Penalty,
    PrepaidUsageDebit,
    QualityHour,
    RerateCredit,
    UsageDay,
)
from usage.models.records import CallRecord
from usage.models.tariffs import (
    IncludedDestination,
    Tariff,
    TariffAnnouncement,
    TariffNotice,
    TariffRefusal,
)

__all__ = [
    "CallRecord",
    "FairUseBreach",
    "ImportBatch",
    "ImportRejection",
    "IncludedDestination",
    "Tariff",
    "TariffAnnouncement",
    "TariffNotice",
    "TariffRefusal",
]
