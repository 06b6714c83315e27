"""USE-1..4: call detail records and how each was rated.

On PostgreSQL the table is partitioned by RANGE on ``started_at``, one partition per calendar
month (UTC bounds), created ahead by ``usage.tasks.partitions_maintain`` and dropped after 12
months (PLATFORM 6.7). A partitioned table's unique constraints must include the partition key:
the table's primary key is (id, started_at) and the import key is (call_id, started_at,
client). Django sees ``id`` as the primary key (ids come from one sequence, so they are unique
on their own): the admin, DRF and ``pk`` lookups work unchanged; ``CompositePrimaryKey``
would lose the admin and foreign keys. On SQLite (``make run``) it is one plain table with the
same columns.

Foreign keys are declared without database constraints (``db_constraint=False``): call records
outlive nothing they point to (accounts and contracts are never deleted, PROTECT elsewhere), the
constraint checks would cost the bulk import a lookup per row, and partitions are dropped whole.
On PostgreSQL ``call_id`` compares byte by byte (collation "C", migration 0009): the import
key's index then costs a third of what the database's collation cost.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from usage.choices import CallType, LineType, PriceClass, RatingPlan

COST = {"max_digits": 12, "decimal_places": 4}  # USE-2: cost per call kept to 4 decimals


def _fk(model, related_name, verbose_name):
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name=related_name,
    )


class CallRecord(models.Model):
    """One call as the carrier reported it (the CDR columns) and as we rated it.

    ``cost`` is what is billable after the plan (€ HT, 4 decimals); ``list_cost`` is the same
    call at the tariff without any plan. A call that is ``blocked``, ``trial``, ``emergency``
    or unanswered has ``cost`` 0; ``included`` says the plan covered it (fully or up to its 60
    minutes: then ``cost`` is the part beyond).
    """

    id = models.BigAutoField(primary_key=True)
    # --- the CDR, as received (docs/cdr-format.md) ---
    call_id = models.CharField(_("call id"), max_length=64)
    started_at = models.DateTimeField(_("start time"))
    account_ref = models.CharField(_("account"), max_length=64)
    answered = models.BooleanField(_("answered"))
    duration = models.PositiveIntegerField(_("duration (s)"))
    caller = models.CharField(_("caller"), max_length=32, blank=True)
    called = models.CharField(_("called number"), max_length=32)
    call_type = models.CharField(_("call type"), max_length=10, choices=CallType)
    device_id = models.CharField(_("device id"), max_length=64, blank=True)
    batch = _fk("usage.ImportBatch", "+", _("import"))
    # --- whose call: the account resolved at import (SIP account username or trunk) ---
    client = _fk("accounts.Client", "+", _("customer"))
    contract = _fk("offers.Contract", "+", _("contract"))
    sip_account = _fk("telephony.SipAccount", "+", _("SIP account"))
    trunk = _fk("telephony.Trunk", "+", _("SIP trunk"))
    # --- USE-1 classification ---
    billing_month = models.DateField(
        _("month"), help_text=_("First day of the call's calendar month in Europe/Paris.")
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    line_type = models.CharField(_("line type"), max_length=12, choices=LineType, blank=True)
    price_class = models.CharField(_("price class"), max_length=12, choices=PriceClass, blank=True)
    # --- rating (USE-2..4, TRK-6, CON-7) ---
    plan = models.CharField(_("plan"), max_length=10, choices=RatingPlan, blank=True)
    tariff = _fk("usage.Tariff", "+", _("tariff"))
    rate = models.DecimalField(_("rate per minute"), null=True, blank=True, **COST)
    billed_seconds = models.PositiveIntegerField(_("billed seconds"), default=0)
    included_seconds = models.PositiveIntegerField(_("included seconds"), default=0)
    list_cost = models.DecimalField(_("cost at the tariff"), default=0, **COST)
    cost = models.DecimalField(_("cost"), default=0, **COST)
    included = models.BooleanField(_("included in the plan"), default=False)
    slot = models.PositiveSmallIntegerField(
        _("distinct number rank"),
        null=True,
        blank=True,
        help_text=_("USE-3/USE-4: rank of the called number among the month's distinct numbers."),
    )
    on_net = models.BooleanField(
        _("on-net"), default=False, help_text=_("USE-1: a number we assigned to a customer.")
    )
    blocked = models.BooleanField(
        _("blocked"),
        default=False,
        help_text=_(
            "TRK-6: a blocked destination, or an outgoing call placed while the consumption "
            "threshold blocked them. Never billed."
        ),
    )
    trial = models.BooleanField(_("trial traffic"), default=False)
    late = models.BooleanField(
        _("late record"),
        default=False,
        help_text=_(
            "Rated after its month's consumption was posted by the run (or invoiced): billed "
            "by a later run."
        ),
    )
    breach = models.BooleanField(
        _("unlimited lost"), default=False, help_text=_("USE-4: billed because of a breach.")
    )
    rated = models.BooleanField(_("rated"), default=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        constraints = [
            # The import key: a re-sent record (same call id, same start, same customer) is a
            # duplicate; two partners' calls may share an id and a start.
            models.UniqueConstraint(
                fields=["call_id", "started_at", "client"], name="usage_call_once"
            ),
        ]
        indexes = [
            # Rated calls of a customer by date (portal, API cursor pagination).
            models.Index(fields=["client", "started_at", "id"], name="usage_call_client_time"),
            # (The rating engine reads a customer's month through the index above; fewer
            # indexes keep the bulk import close to a bare COPY — bench/rating.py.)
        ]

    def __str__(self):
        return self.call_id
