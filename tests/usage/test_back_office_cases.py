"""Audit of the usage back office (/backoffice/usage/): the CDR imports and their reports, the
fair-use breaches and their waivers, traffic quality, penalties with their evidence, tariffs
and included destinations, consumption alerts — odd input, staff rights, audit trail, queries.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, User
from kernel.queues import TEAM_GROUPS, Team
from tests.conftest import admin_confirmation
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_sip_account
from tests.usage.core_helpers import HEADER, account, csv_of, row
from tests.usage.money_helpers import OCT
from usage.choices import BreachStatus, ImportStatus
from usage.models import (
    CallRecord,
    ConsumptionAlert,
    ConsumptionThreshold,
    FairUseBreach,
    ImportBatch,
    ImportRejection,
    IncludedDestination,
    LimitBreach,
    Penalty,
    QualityHour,
    Tariff,
)
from usage.services import imports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _errors(response) -> list[str]:
    return re.findall(r'class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', response.content.decode())


def _staff_member(client, email, *, perms=(), team=None):
    """A member of staff with a second factor, only the given rights (``usage`` codenames)."""
    user = User.objects.create_user(email=email, password="x-Long-Pass-123", is_staff=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    for codename in perms:
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="usage")
        )
    if team is not None:
        user.groups.add(Group.objects.get_or_create(name=TEAM_GROUPS[team])[0])
    client.force_login(user)
    return user


def _breach(target, month=OCT, account=None):
    account = account or make_sip_account(target, offer_code="hosted-w")[0]
    return FairUseBreach.objects.create(
        client=target, sip_account=account, month=month, plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}], detected_at=timezone.now(),
    )  # fmt: skip


def _penalty(target, **fields):
    return Penalty.objects.create(
        client=target, kind="consumer_complaint", occurred_on=date(2026, 10, 12), quantity=1,
        unit_amount=Decimal("200.00"), amount=Decimal("200.00"), evidence_note="Plainte n° 77",
        **fields,
    )  # fmt: skip


def _row_of(model, target):
    """One row of ``model`` about ``target``, as the services write them."""
    hour = datetime(2026, 10, 6, 11, tzinfo=UTC)
    if model is FairUseBreach:
        return _breach(target)
    if model is LimitBreach:
        return LimitBreach.objects.create(
            client=target, kind="simultaneous", hour=hour, month=OCT, peak=12, limit=10,
            peak_at=hour + timedelta(minutes=5),
        )  # fmt: skip
    if model is QualityHour:
        return QualityHour.objects.create(
            client=target, hour=hour, month=OCT, attempts=10, answered=8, answered_seconds=400,
            short_calls=0,
        )  # fmt: skip
    if model is Penalty:
        return _penalty(target)
    if model is ConsumptionThreshold:
        return ConsumptionThreshold.objects.create(client=target, amount=Decimal("50.00"))
    return ConsumptionAlert.objects.create(
        client=target, month=OCT, level=80, consumption=Decimal("40.00"),
        threshold=Decimal("50.00"),
    )  # fmt: skip


# --- searching the money lists -----------------------------------------------------------


# USE-4/5/6/7, alerts — staff find a customer's rows by typing its name in the search box of
# each list. The lists searched "client__name", a field a customer does not have: every search
# answered HTTP 500 (FieldError "Unsupported lookup 'name__icontains'"). Expected: the row of
# "Durand Télécom SAS" found by "durand" (its legal name) and by its SIREN; the other
# customer's row not listed.
@pytest.mark.parametrize(
    "model",
    [FairUseBreach, LimitBreach, QualityHour, Penalty, ConsumptionThreshold, ConsumptionAlert],
    ids=lambda m: m._meta.model_name,
)
def test_money_lists_search_a_customer_by_name(staff, model):
    wanted = customer(legal_name="Durand Télécom SAS")
    other = customer(legal_name="Martin Voix SARL")
    mine, _theirs = _row_of(model, wanted), _row_of(model, other)
    url = reverse(f"admin:usage_{model._meta.model_name}_changelist")
    for query in ("durand", wanted.siren):
        page = staff.get(url, {"q": query}, HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200
        assert [r.pk for r in page.context["cl"].result_list] == [mine.pk]


# --- penalties: the evidence (USE-7) ------------------------------------------------------


# USE-7 — "entered by staff with evidence (a description, and a file when there is one)": the
# file must be readable from the penalty's page. Its link pointed at /media/…, which nothing
# serves outside DEBUG (404 in production, and in tests): the evidence of a 200.00 € consumer
# complaint could not be opened. Expected: the link downloads the very file, for staff who may
# view penalties only (403 for a member of staff without that right).
def test_penalty_evidence_file_opens_from_its_page(staff, client):
    target = customer()
    make_contract(target, "platform")  # PLATFORM 27: the contract stating the penalties
    url = reverse("admin:usage_penalty_add")
    response = staff.post(
        url,
        {
            "client": target.pk, "kind": "consumer_complaint", "occurred_on": "2026-10-12",
            "quantity": "1", "evidence_note": "Plainte DGCCRF n° 77", "confirm": "on",
            "evidence": SimpleUploadedFile("plainte-77.pdf", b"%PDF-1.4 plainte 77"),
        },
    )  # fmt: skip
    assert response.status_code == 302
    penalty = Penalty.objects.get()
    assert penalty.amount == Decimal("200.00")  # 1 × 200.00 €, PLATFORM 27
    page = staff.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    links = re.findall(r'href="([^"]+)"[^>]*>[^<]*plainte-77', page)
    assert len(links) == 1
    download = staff.get(links[0])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 plainte 77"
    assert "attachment" in download["Content-Disposition"]
    # a member of staff without the right to view penalties does not get it
    outsider = client.__class__()
    _staff_member(outsider, "support@reseller.example", team=Team.SUPPORT)
    assert outsider.get(links[0]).status_code == 403


# USE-7 — a penalty without a file says so, and its download address is a 404, not a 500.
def test_penalty_without_evidence_file(staff):
    penalty = _penalty(customer())
    page = staff.get(reverse("admin:usage_penalty_change", args=[penalty.pk]))
    assert page.status_code == 200 and "/media/" not in page.content.decode()
    assert staff.get(reverse("admin:usage_penalty_evidence", args=[penalty.pk])).status_code == 404
    penalty.evidence.save("perdu.pdf", ContentFile(b"x"))
    penalty.evidence.storage.delete(penalty.evidence.name)  # the file lost on the disk
    assert staff.get(reverse("admin:usage_penalty_evidence", args=[penalty.pk])).status_code == 404


# USE-7 — the penalty form lists the contracts by their names ("reference — offer"): one query
# per contract made the form's query count grow with the contracts of every customer. 1 vs 12
# contracts: the same number of queries.
def test_penalty_form_queries_do_not_grow_with_contracts(staff, django_assert_max_num_queries):
    url = reverse("admin:usage_penalty_add")
    make_contract(customer(), "hosted-w")
    staff.get(url)  # warm the caches (site, session)
    with django_assert_max_num_queries(20) as one:
        assert staff.get(url).status_code == 200
    for _ in range(11):
        make_contract(customer(), "hosted-w")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert staff.get(url).status_code == 200


# USE-7 / ACC-4 — the form confirms before money moves, refuses a double submit (same customer,
# kind, day, quantity and evidence) and every refusal is a French message, never a 500 — also
# a HOSTED-A contract, or a customer with no PLATFORM contract: PLATFORM 27 is the only contract
# stating these penalties (10 000 € were recorded there).
def test_penalty_form_odd_input_and_double_submit(staff):
    target = customer()
    make_contract(target, "platform")
    hosted = make_contract(target, "hosted-a")
    without = customer()
    make_contract(without, "sip-unl")
    url = reverse("admin:usage_penalty_add")
    base = {
        "client": target.pk, "kind": "regulator", "occurred_on": "2026-10-12",
        "quantity": "1", "evidence_note": "Mise en demeure ARCEP", "confirm": "on",
    }  # fmt: skip
    for change, message in [
        ({"confirm": ""}, "Ce champ est obligatoire."),
        ({"quantity": "0"}, "supérieure ou égale à 1"),
        ({"quantity": "1.5"}, "Saisissez un nombre entier."),
        ({"occurred_on": "2026-02-30"}, "Saisissez une date valide."),
        ({"occurred_on": "2999-01-01"}, "ne peut pas être dans le futur"),
        ({"kind": "abusive_ticket"}, "Sélectionnez un choix valide"),
        ({"client": "nope"}, "Sélectionnez un choix valide"),
        ({"evidence_note": "   "}, "Ce champ est obligatoire."),
        ({"contract": hosted.pk}, "(PLATFORM 27)\u00a0: le contrat de ce service"),
        ({"client": without.pk}, "(PLATFORM 27)\u00a0: ce client"),
    ]:
        page = staff.post(url, {**base, **change}, HTTP_ACCEPT_LANGUAGE="fr")
        errors = _errors(page)
        assert page.status_code == 200 and any(message in e for e in errors), (change, errors)
    assert not Penalty.objects.exists()
    assert staff.post(url, base).status_code == 302
    again = staff.post(url, base, HTTP_ACCEPT_LANGUAGE="fr")
    assert again.status_code == 200 and "déjà enregistrée" in again.content.decode()
    assert Penalty.objects.get().amount == Decimal("10000.00")  # once: 1 × 10 000 €
    assert AuditLog.objects.filter(action="usage.penalty_record").count() == 1


# --- staff rights ---------------------------------------------------------------------------


# USE-4 / ACC-4 — waiving moves money: a member of the support team (no usage right) and a
# member of staff who may only view the breaches cannot waive one; the breach stays open and
# no audit row is written.
def test_waiver_refused_to_staff_without_the_right(client):
    breach = _breach(customer())
    url = reverse("admin:usage_fairusebreach_changelist")
    waive = {
        "action": "waive", "_selected_action": [breach.pk], "apply": "1",
        "note": "Geste commercial",
    }  # fmt: skip
    _staff_member(client, "support@reseller.example", team=Team.SUPPORT)
    assert client.post(url, waive).status_code == 403
    _staff_member(client, "lecture@reseller.example", perms=["view_fairusebreach"])
    assert client.get(url).status_code == 200
    client.post(url, waive)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    assert not AuditLog.objects.filter(action="usage.breach_waive").exists()


# USE-4 — a waiver submitted twice (a double click) waives once: one audit row. Its reason is
# followed by a confirmation (nothing invoiced yet: no credit note, the month re-rated) and
# nothing is waived before « Confirm »; the confirmation sent twice waives once.
def test_waiver_double_submit_waives_once(staff):
    breach = _breach(customer())
    url = reverse("admin:usage_fairusebreach_changelist")
    waive = {
        "action": "waive", "_selected_action": [breach.pk], "apply": "1",
        "note": "Terminal fourni par nos soins",
    }  # fmt: skip
    page = staff.post(url, waive, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm waiving the breach: 0.00\xa0€ incl. VAT credited?" in page
    assert "Nothing invoiced yet: no credit note, the month is re-rated." in page
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    staff.post(url, admin_confirmation(page), HTTP_ACCEPT_LANGUAGE="en")
    staff.post(url, admin_confirmation(page), HTTP_ACCEPT_LANGUAGE="en")
    breach.refresh_from_db()
    assert breach.status == BreachStatus.WAIVED and breach.waived_by.email == "ops@reseller.example"
    log = AuditLog.objects.get(action="usage.breach_waive")
    assert log.after["note"] == "Terminal fourni par nos soins"


# Rated calls are read-only, even for a superuser: no change, no delete.
def test_rated_calls_are_read_only(staff):
    from tests.usage.core_helpers import run_import

    run_import([row(account("sip-unl"), "0612345678", duration=60)])
    call = CallRecord.objects.get()
    assert staff.get(reverse("admin:usage_callrecord_change", args=[call.pk])).status_code == 200
    post = staff.post(reverse("admin:usage_callrecord_change", args=[call.pk]), {"cost": "0"})
    assert post.status_code == 403
    assert staff.post(reverse("admin:usage_callrecord_delete", args=[call.pk])).status_code == 403
    assert CallRecord.objects.get().cost == call.cost


# --- tariffs and included destinations: the audit trail and the form ---------------------


# USE-2 / ACC-4 — "every change of money, status or terms … is written to an append-only audit
# log: who, when, what, and the values before and after". A tariff's price changed in the back
# office (France mobile 0.0450 → 0.0500 €/min), a destination added to a plan, a tariff deleted
# from its page: none was in the audit log.
def test_tariff_and_destination_changes_are_audited(staff):
    from tests.usage.core_helpers import seed

    seed()
    tariff = Tariff.objects.filter(name="France mobile").order_by("valid_from").first()
    assert tariff.rate_per_minute == Decimal("0.0450")
    data = {
        "name": tariff.name, "prefix": tariff.prefix, "country": tariff.country,
        "line_type": tariff.line_type, "price_class": tariff.price_class,
        "rate_per_minute": "0.0500", "first_increment": tariff.first_increment,
        "next_increment": tariff.next_increment, "min_duration": tariff.min_duration,
        "valid_from": tariff.valid_from.isoformat(), "valid_to": "",
    }  # fmt: skip
    # CON-6: a tariff in force is never repriced in place (tests/usage/test_tariff_changes.py);
    # a tariff announced for later is, and the change is audited
    refused = staff.post(reverse("admin:usage_tariff_change", args=[tariff.pk]), data)
    assert refused.status_code == 200 and "saisissez un nouveau tarif" in refused.content.decode()
    later = Tariff.objects.create(
        name="France mobile", country="FR", line_type="mobile", price_class="standard",
        rate_per_minute=Decimal("0.0450"), valid_from=date(2027, 6, 1),
    )  # fmt: skip
    data["valid_from"] = later.valid_from.isoformat()
    response = staff.post(reverse("admin:usage_tariff_change", args=[later.pk]), data)
    assert response.status_code == 302
    log = AuditLog.objects.get(action="tariff.update", object_id=str(later.pk))
    assert log.actor.email == "ops@reseller.example"
    assert (log.before["rate_per_minute"], log.after["rate_per_minute"]) == ("0.0450", "0.0500")

    terms = IncludedDestination.objects.first().terms
    added = staff.post(
        reverse("admin:usage_includeddestination_add"),
        {"terms": terms.pk, "name": "Islande fixe", "country": "IS", "line_type": "fixed"},
    )
    assert added.status_code == 302
    assert AuditLog.objects.filter(action="includeddestination.create").count() == 1

    spare = Tariff.objects.create(
        name="Essai", prefix="+3361", rate_per_minute=Decimal("0.1000"), valid_from=date(2027, 6, 1)
    )
    staff.post(reverse("admin:usage_tariff_delete", args=[spare.pk]), {"post": "yes"})
    assert not Tariff.objects.filter(pk=spare.pk).exists()
    gone = AuditLog.objects.get(action="tariff.delete", object_id=str(spare.pk))
    assert gone.before["rate_per_minute"] == "0.1000" and gone.before["prefix"] == "+3361"


def _tariff_post(staff, **change):
    data = {
        "name": "Essai", "prefix": "+3361", "price_class": "standard",
        "rate_per_minute": "0.1000", "first_increment": "1", "next_increment": "1",
        "min_duration": "0", "valid_from": "2027-01-01", **change,
    }  # fmt: skip
    return staff.post(reverse("admin:usage_tariff_add"), data, HTTP_ACCEPT_LANGUAGE="fr")


# USE-2 — a tariff the table's checks refuse says why in French, on its field: a negative price,
# an end before the start (valid_to is exclusive), an increment of 0 s. The page said
# « La contrainte « tariff_rate_ge_0 » n'est pas respectée. », a developer's name.
def test_tariff_form_errors_in_words(staff):
    before = Tariff.objects.count()
    for change, message in [
        ({"rate_per_minute": "-0.0100"}, "Un prix ne peut pas être négatif."),
        ({"valid_to": "2026-12-01"}, "La fin (exclue) doit être postérieure au début."),
        ({"valid_to": "2027-01-01"}, "La fin (exclue) doit être postérieure au début."),
        ({"first_increment": "0"}, "supérieure ou égale à 1"),
        ({"next_increment": "0"}, "supérieure ou égale à 1"),
    ]:
        page = _tariff_post(staff, **change)
        errors = _errors(page)
        assert page.status_code == 200 and any(message in e for e in errors), (change, errors)
        assert not any("contrainte" in e for e in errors), (change, errors)
    assert Tariff.objects.count() == before


# USE-2 — a tariff with neither a prefix nor a country prices nothing: refused, but with
# « La contrainte « tariff_prefix_or_country » n'est pas respectée. » (before the fix).
def test_tariff_without_prefix_nor_country_says_why(staff):
    page = _tariff_post(staff, prefix="", country="")
    errors = _errors(page)
    assert page.status_code == 200 and not Tariff.objects.filter(name="Essai").exists()
    assert not any("contrainte" in e for e in errors), errors
    assert any("préfixe" in e and "pays" in e for e in errors), errors


# --- CDR uploads -------------------------------------------------------------------------------


def _upload(staff, name, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = staff.post(
            reverse("admin:usage_importbatch_add"),
            {"file": SimpleUploadedFile(name, content)},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    return response


# Issue 15 — odd files never give a 500: a 0-byte file is refused on the form; a binary file,
# a UTF-16 or Latin-1 export, a huge line, a NUL byte: the import fails or rejects the line with
# its reason in French, and its page opens.
def test_odd_uploads_fail_in_words(staff, django_capture_on_commit_callbacks):
    good = row(account("sip-unl"), "0123456789")
    empty = _upload(staff, "vide.csv", b"", django_capture_on_commit_callbacks)
    assert empty.status_code == 200 and "Le fichier soumis est vide." in _errors(empty)
    cases = {
        "binaire.csv": (bytes(range(256)) * 10, "failed", "La première ligne doit être l'en-tête"),
        "utf16.csv": (csv_of([good]).decode().encode("utf-16"), "failed", "pas en UTF-8"),
        "latin1.csv": (csv_of([good + "é"]).decode().encode("latin-1"), "failed", "pas en UTF-8"),
        "enorme.csv": (csv_of([good, "x" * (3 << 20)]), "done", ""),
        "nul.csv": (csv_of([good.replace("Poste", "") + "\x00"]), "done", ""),
    }
    for name, (content, status, error) in cases.items():
        response = _upload(staff, name, content, django_capture_on_commit_callbacks)
        assert response.status_code == 302, name
        batch = ImportBatch.objects.get(filename=name)
        imports.import_run(batch.pk)
        batch.refresh_from_db()
        assert batch.status == status and error in batch.error, (name, batch.error)
        page = staff.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200, name
    assert ImportBatch.objects.get(filename="enorme.csv").rejected == 1
    assert ImportBatch.objects.get(filename="nul.csv").rejected == 1


# Issue 15 — a file from an old Mac export (lines ended by CR only) failed with the csv module's
# English text inside the French report: « Le fichier n'est pas un CSV lisible : new-line
# character seen in unquoted field - do you need to open the file in universal-newline mode? ».
# Now its lines are read as lines: the call is imported.
def test_cr_only_upload_reports_in_french(staff, django_capture_on_commit_callbacks):
    content = csv_of([row(account("sip-unl"), "0123456789")]).replace(b"\n", b"\r")
    _upload(staff, "mac.csv", content, django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get(filename="mac.csv")
    imports.import_run(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.rejected) == (ImportStatus.DONE, 1, 0)


# Issue 15 — a file with the header only is a done import of 0 rows, at 100 %.
def test_header_only_upload(staff, django_capture_on_commit_callbacks):
    response = _upload(
        staff, "entete.csv", (HEADER + "\n").encode(), django_capture_on_commit_callbacks
    )
    batch = ImportBatch.objects.get()
    imports.import_run(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_read, batch.imported, batch.rejected) == ("done", 0, 0, 0)
    page = staff.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "100\u00a0% — ligne 1 sur 1" in page or "100 % — ligne 1 sur 1" in page


# --- list pages: query counts -------------------------------------------------------------


# The back office lists do as many queries for 30 rows as for 1 (no N+1).
def test_lists_queries_do_not_grow_with_rows(staff, django_assert_max_num_queries):
    sip, _secret = make_sip_account(customer(), offer_code="hosted-w")
    months = iter(date(2023 + i // 12, i % 12 + 1, 1) for i in range(60))
    makers = {
        "fairusebreach": lambda: _breach(sip.contract.client, month=next(months), account=sip),
        "penalty": lambda: _penalty(customer(), created_by=User.objects.first()),
        "qualityhour": lambda: _row_of(QualityHour, customer()),
        "consumptionalert": lambda: _row_of(ConsumptionAlert, customer()),
        "limitbreach": lambda: _row_of(LimitBreach, customer()),
        "importbatch": lambda: ImportBatch.objects.create(source="upload", filename="a.csv"),
    }
    for name, make in makers.items():
        url = reverse(f"admin:usage_{name}_changelist")
        make()
        staff.get(url)
        with django_assert_max_num_queries(25) as one:
            staff.get(url)
        for _ in range(29):
            make()
        with django_assert_max_num_queries(len(one.captured_queries), info=name):
            page = staff.get(url)
        assert page.context["cl"].result_count == 30, name


# Issue 15 ("each import keeps a report … rejected with reasons"): an import of 1 002 refused
# rows showed the first 1 000 and nothing else. The page now says « Les 1 000 premières des
# 1 002 lignes refusées » and links to a CSV of every refused row (line, reason, row as sent —
# a row that a spreadsheet would run as a formula is quoted). Support without the right: 403.
def test_import_page_links_to_every_refused_row(staff, client):
    batch = ImportBatch.objects.create(
        source="command", filename="big.csv", status=ImportStatus.DONE, rejected=1002
    )
    ImportRejection.objects.bulk_create(
        [ImportRejection(batch=batch, line=n, reason="compte inconnu", raw=f"c{n},x") for n in
         range(2, 1003)]
        + [ImportRejection(batch=batch, line=1003, reason="durée", raw="=HYPERLINK(1)")]
    )  # fmt: skip
    batch.rejected = 1002
    batch.save(update_fields=["rejected"])
    page = staff.get(
        reverse("admin:usage_importbatch_change", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Les 1\u00a0000 premières des 1\u00a0002 lignes refusées." in page
    url = reverse("admin:usage_importbatch_rejections", args=[batch.pk])
    assert url in page
    body = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].startswith("Ligne;Motif;")
    assert len(lines) == 1 + 1002 and lines[-1] == "1003;durée;'=HYPERLINK(1)"
    nobody = User.objects.create_user(email="s@reseller.example", password="x", is_staff=True)
    Authenticator.objects.create(user=nobody, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(nobody)
    assert client.get(url).status_code == 403


# USE-5 / USE-6 — the page of an hour of traffic gave it three times, two of them wrong: the
# heading « Durand Télécom SAS 2026-10-06 11:00 » (the stored UTC hour, unlabelled), « Heure
# (UTC) : 6 octobre 2026 13:00 » (Paris time under a UTC label) and « Heure (heure de Paris) :
# 6 octobre 2026, 13h–14h ». Expected: the Paris hour only — 11:00 UTC is 13:00 in Paris in
# October (summer time, UTC+2).
@pytest.mark.parametrize("model", [LimitBreach, QualityHour], ids=lambda m: m._meta.model_name)
def test_hour_page_says_the_paris_hour_only(staff, model):
    row = _row_of(model, customer(legal_name="Durand Télécom SAS"))
    url = reverse(f"admin:usage_{model._meta.model_name}_change", args=[row.pk])
    page = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Durand Télécom SAS — 6 octobre 2026, 13h–14h" in page  # the heading
    assert "(UTC)" not in page and "11:00" not in page and "13:00" not in page
