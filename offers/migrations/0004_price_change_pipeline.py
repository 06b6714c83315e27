"""CON-6: price changes get their pipeline (scheduled → notified → applied | cancelled) with an
event per move, the contracts told about them and their answers (``PriceChangeNotice``, which
replaces ``refused_by``), the lines they changed (``PriceChangeLine``), the old catalogue price
they apply to; the terms say how much notice a change needs and what a customer may answer.

Existing rows: terms keep both empty (their preset's rules); the contracts' signed terms get
their preset's values (HOSTED-A 6: 7 days, refusal with termination; PLATFORM 12.2: 30 days,
objection; the others: 30 days, no refusal right). A price change e-mailed when it was
scheduled is ``notified`` (its notices are the contracts that had the product then, and its
refusals); one whose date has passed is ``applied`` (the old daily job already moved the
lines; which ones was not recorded).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

STATUS_CHOICES = [
    ("scheduled", "Scheduled"),
    ("notified", "Customers notified"),
    ("applied", "Applied"),
    ("cancelled", "Cancelled"),
]
REFUSAL_CHOICES = [
    ("none", "No refusal right (TRUNK, SIP-UNL, HOSTED-W)"),
    ("terminate", "Refuse an increase and terminate without fee, 30 days' notice (HOSTED-A 6)"),
    (
        "object",
        "Object before the effective date and stop using the service; use after it accepts "
        "the new price (PLATFORM 12.2)",
    ),
]
# CON-6, per preset: (notice in days, refusal right).
PRESET_RULES = {"HOSTED-A": (7, "terminate"), "PLATFORM": (30, "object")}
DEFAULT_RULE = (30, "none")
AFFECTED = ["ordered", "active", "suspended", "terminating"]


def forwards(apps, schema_editor):
    Contract = apps.get_model("offers", "Contract")
    PriceChange = apps.get_model("offers", "PriceChange")
    Notice = apps.get_model("offers", "PriceChangeNotice")
    Event = apps.get_model("offers", "PriceChangeEvent")
    Termination = apps.get_model("offers", "Termination")
    for contract in Contract.objects.all().only("pk", "terms_snapshot").iterator():
        snapshot = dict(contract.terms_snapshot or {})
        if "price_change_refusal" in snapshot:
            continue
        days, refusal = PRESET_RULES.get(snapshot.get("preset"), DEFAULT_RULE)
        snapshot["price_change_notice_days"] = days
        snapshot["price_change_refusal"] = refusal
        Contract.objects.filter(pk=contract.pk).update(terms_snapshot=snapshot)
    now = timezone.now()
    today = timezone.localdate()
    for change in PriceChange.objects.select_related("product").order_by("pk"):
        change.old_monthly_price = change.product.monthly_price
        change.notice_days = 7
        Event.objects.create(price_change=change, to_status="scheduled", note="migrated")
        if change.status == "scheduled" and change.notified_at is not None:
            contracts = Contract.objects.filter(
                offer_id=change.offer_id,
                status__in=AFFECTED,
                lines__product_id=change.product_id,
                created_at__lte=change.created_at,
            ).distinct()
            refused = set(change.refused_by.values_list("pk", flat=True))
            for contract in contracts:
                termination = None
                if contract.pk in refused:
                    termination = (
                        Termination.objects.filter(
                            contract=contract, reason="price_increase_refused"
                        )
                        .order_by("-created_at")
                        .first()
                    )
                Notice.objects.create(
                    price_change=change,
                    contract=contract,
                    notified_at=change.notified_at,
                    response="refused" if termination else "none",
                    responded_at=termination.notice_at if termination else None,
                    termination=termination,
                )
            change.status = "notified"
            Event.objects.create(
                price_change=change, from_status="scheduled", to_status="notified", note="migrated"
            )
            if change.effective_date <= today:
                change.status, change.applied_at = "applied", now
                Event.objects.create(
                    price_change=change,
                    from_status="notified",
                    to_status="applied",
                    note="migrated: lines already moved by the old daily job",
                )
        change.save()
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys now, before the next operations alter these tables.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_idempotency"),
        ("offers", "0003_pricechange"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="pricechange",
            options={
                "ordering": ["-effective_date", "-id"],
                "verbose_name": "price change",
                "verbose_name_plural": "price changes",
            },
        ),
        migrations.RemoveConstraint(model_name="pricechange", name="price_change_not_negative"),
        migrations.RemoveConstraint(model_name="pricechange", name="one_price_change_per_day"),
        migrations.AddField(
            model_name="pricechange",
            name="applied_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="applied at"),
        ),
        migrations.AddField(
            model_name="pricechange",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AddField(
            model_name="pricechange",
            name="notice_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="The notice the terms require: customers are told at least this many "
                "days before the effective date.",
                verbose_name="notice (days)",
            ),
        ),
        migrations.AddField(
            model_name="pricechange",
            name="old_monthly_price",
            field=models.DecimalField(
                decimal_places=4,
                default=0,
                help_text="The catalogue price when the change was scheduled: only lines at it "
                "change.",
                max_digits=12,
                verbose_name="old catalogue price (€ HT)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="pricechange",
            name="refusal_excluded",
            field=models.BooleanField(
                default=False,
                help_text="The increase results from a decision of an authority or an event "
                "beyond our control: HOSTED-A customers may not refuse it (HOSTED-A 6).",
                verbose_name="imposed by an authority",
            ),
        ),
        migrations.AddField(
            model_name="terms",
            name="price_change_notice_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                help_text="Empty: the preset's (HOSTED-A 6: 7 days; the others: 30 days).",
                verbose_name="price change notice (days)",
            ),
        ),
        migrations.AddField(
            model_name="terms",
            name="price_change_refusal",
            field=models.CharField(
                blank=True,
                choices=REFUSAL_CHOICES,
                help_text="Empty: the preset's (HOSTED-A 6: refusal and termination without "
                "fee; PLATFORM 12.2: objection; the others: none).",
                max_length=10,
                verbose_name="refusal of a price increase",
            ),
        ),
        migrations.AlterField(
            model_name="pricechange",
            name="notified_contracts",
            field=models.PositiveIntegerField(default=0, verbose_name="contracts notified"),
        ),
        migrations.AlterField(
            model_name="pricechange",
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES, default="scheduled", max_length=10, verbose_name="status"
            ),
        ),
        migrations.AddConstraint(
            model_name="pricechange",
            constraint=models.CheckConstraint(
                condition=models.Q(("new_monthly_price__gte", 0), ("old_monthly_price__gte", 0)),
                name="price_change_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="pricechange",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["scheduled", "notified"])),
                fields=("offer", "product", "effective_date"),
                name="one_price_change_per_day",
            ),
        ),
        migrations.CreateModel(
            name="PriceChangeEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "from_status",
                    models.CharField(blank=True, choices=STATUS_CHOICES, max_length=10),
                ),
                ("to_status", models.CharField(choices=STATUS_CHOICES, max_length=10)),
                ("note", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "api_key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.apikey",
                    ),
                ),
                (
                    "price_change",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="offers.pricechange",
                    ),
                ),
            ],
            options={
                "verbose_name": "price change event",
                "verbose_name_plural": "price change events",
                "ordering": ["price_change", "created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="PriceChangeLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "old_price",
                    models.DecimalField(
                        decimal_places=4, max_digits=12, verbose_name="price before (€ HT)"
                    ),
                ),
                (
                    "new_price",
                    models.DecimalField(
                        decimal_places=4, max_digits=12, verbose_name="price after (€ HT)"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="price_changes_applied",
                        to="offers.contractline",
                    ),
                ),
                (
                    "price_change",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="line_changes",
                        to="offers.pricechange",
                    ),
                ),
            ],
            options={
                "verbose_name": "line repriced",
                "verbose_name_plural": "lines repriced",
                "ordering": ["price_change", "line"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("price_change", "line"), name="one_price_change_per_line"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PriceChangeNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("notified_at", models.DateTimeField(verbose_name="notified at")),
                (
                    "response",
                    models.CharField(
                        choices=[
                            ("none", "None"),
                            ("refused", "Refused (termination without fee)"),
                            ("objected", "Objected (termination without fee)"),
                        ],
                        default="none",
                        max_length=10,
                        verbose_name="answer",
                    ),
                ),
                (
                    "responded_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="answered at"),
                ),
                (
                    "withdrawn_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="withdrawn at"),
                ),
                (
                    "withdrawn_note",
                    models.CharField(blank=True, max_length=200, verbose_name="why withdrawn"),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="price_change_notices",
                        to="offers.contract",
                        verbose_name="contract",
                    ),
                ),
                (
                    "price_change",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to="offers.pricechange",
                    ),
                ),
                (
                    "responded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "responded_by_api_key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.apikey",
                    ),
                ),
                (
                    "termination",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="offers.termination",
                        verbose_name="termination",
                    ),
                ),
            ],
            options={
                "verbose_name": "price change notice",
                "verbose_name_plural": "price change notices",
                "ordering": ["price_change", "contract"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("price_change", "contract"),
                        name="one_notice_per_contract_and_change",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="pricechange", name="refused_by"),
    ]
