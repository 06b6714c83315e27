"""Back office of CDR imports: a staff member uploads a file, the import is queued after the
commit, its page shows the progress and the report of rejected rows with their line numbers;
tariffs and rated calls are listed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.usage.core_helpers import account, csv_of, row
from usage.models import ImportBatch
from usage.services import imports

pytestmark = pytest.mark.django_db


def test_upload_then_progress_and_report(staff, django_capture_on_commit_callbacks):
    sip = account("sip-unl")
    url = reverse("admin:usage_importbatch_add")
    assert "Importer des appels" in staff.get(url).content.decode()
    upload = SimpleUploadedFile("octobre.csv", csv_of([row(sip, "0123456789"), "x,y"]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff.post(url, {"file": upload})
    assert response.status_code == 302 and len(callbacks) == 1  # the task, after the commit
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.status, batch.created_by.email) == (
        "upload",
        "pending",
        "ops@reseller.example",
    )
    # pending (then running): the page updates its progress every 5 seconds, in place
    # (static/js/import_progress.js; tests/e2e/test_import_progress.py), no <meta refresh>
    waiting = staff.get(response["Location"]).content.decode()
    assert 'data-testid="import-progress"' in waiting and "js/import_progress.js" in waiting
    assert 'http-equiv="refresh"' not in waiting
    imports.import_run(batch.pk)
    page = staff.get(response["Location"]).content.decode()
    assert "— ligne 3 sur 3" in page  # progress: 100 %, line 3 of 3
    assert 'data-testid="import-progress"' not in page  # done: it stops
    assert "9 colonnes attendues" in page
    # every label in French: who uploaded it, through which API key
    assert "Déposé par" in page and "Clé d&#x27;API" in page
    assert "Created by" not in page and "Api key" not in page
    listing = staff.get(reverse("admin:usage_importbatch_changelist")).content.decode()
    assert "octobre.csv" in listing


def test_upload_refuses_other_files(staff):
    upload = SimpleUploadedFile("photo.png", b"\x89PNG")
    response = staff.post(reverse("admin:usage_importbatch_add"), {"file": upload})
    assert response.status_code == 200 and "Envoyez un fichier CSV" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_tariffs_and_calls_listed(staff):
    sip = account("sip-unl")
    from tests.usage.core_helpers import run_import

    run_import([row(sip, "0612345678", duration=60)])
    assert "France mobile" in staff.get(reverse("admin:usage_tariff_changelist")).content.decode()
    calls = staff.get(reverse("admin:usage_callrecord_changelist")).content.decode()
    assert "+33612345678" in calls
    # a gap in the grid's dates leaves a call without a tariff, free: staff list them
    from usage.models import CallRecord

    CallRecord.objects.update(tariff=None)
    unpriced = staff.get(reverse("admin:usage_callrecord_changelist"), {"tariff__isempty": "1"})
    assert unpriced.status_code == 200 and "+33612345678" in unpriced.content.decode()


# USE-2 / TRK-6 — staff entering a prefix the rating could never match read why, in French,
# and nothing is saved: a tariff on 9 digits after +33 (a French block has 7); a destination
# group with a prefix under no country code.
def test_prefixes_that_never_match_refused_in_the_back_office(staff):
    from telephony.models import DestinationGroup
    from usage.models import Tariff

    before = Tariff.objects.count()
    page = staff.post(
        reverse("admin:usage_tariff_add"),
        {
            "name": "Plage test",
            "prefix": "+336991234",
            "price_class": "standard",
            "rate_per_minute": "1.2000",
            "first_increment": "1",
            "next_increment": "1",
            "min_duration": "0",
            "valid_from": "2026-01-01",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert page.status_code == 200 and Tariff.objects.count() == before
    assert (
        "«\u00a0+336991234\u00a0» est trop long\u00a0: les appels vers le +33 sont tarifés par "
        "blocs de 10\u00a0000 numéros, un préfixe y compte donc au plus 7 chiffres"
    ) in page.content.decode()
    page = staff.post(
        reverse("admin:telephony_destinationgroup_add"),
        {"code": "test", "name": "Test", "prefixes": '["+28"]', "position": "9"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert page.status_code == 200 and not DestinationGroup.objects.filter(code="test").exists()
    assert "Aucun indicatif de pays ne commence par «\u00a0+28\u00a0»." in page.content.decode()
