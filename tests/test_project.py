"""Project guard rails: migrations in sync, production settings pass the deploy checks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Q!p9Lm#2vR8sT@4wZ&6yB^1nC*5dF(0gH)jK" * 2,
    "DJANGO_ALLOWED_HOSTS": "portail.example.fr",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "CACHE_URL": "rediscache://cache.internal:6379/1",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.fr:587",
}


def _manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env_extra=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_state_only_migrations_change_no_column():
    # The verbose-name migrations are state operations (``migrate`` skips rendering the models
    # for each): none may hide a change the database needs — only AlterModelOptions, and
    # AlterField whose old and new field differ in attributes the database ignores.
    from django.db.migrations import operations as ops
    from django.db.migrations.loader import MigrationLoader

    def schema(field):  # what the schema editor compares (base ``_field_should_be_altered``)
        _name, path, args, kwargs = field.deconstruct()
        kwargs = {k: v for k, v in kwargs.items() if k not in field.non_db_attrs}
        return path, args, kwargs

    loader = MigrationLoader(None, ignore_no_migrations=True)
    checked = 0
    for key, migration in sorted(loader.disk_migrations.items()):
        for op in migration.operations:
            if not isinstance(op, ops.SeparateDatabaseAndState) or op.database_operations:
                continue
            state = loader.project_state(key, at_end=False)
            for sub in op.state_operations:
                assert isinstance(sub, ops.AlterField | ops.AlterModelOptions), (key, sub)
                if isinstance(sub, ops.AlterField):
                    old = state.models[key[0], sub.model_name_lower].fields[sub.name]
                    assert schema(old) == schema(sub.field), (key, sub.model_name, sub.name)
                    checked += 1
                sub.state_forwards(key[0], state)
    assert checked >= 194  # the AlterFields of the nine console_verbose_names migrations


def test_every_periodic_task_is_a_registered_task():
    """Beat names tasks by string: a typo or a module autodiscovery misses would only show as
    an error in the worker's log, at the task's hour."""
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "kernel.tasks.prune_changes" in scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)


# Words the back office shows as they are in French too.
SAME_IN_FRENCH = {"client", "site", "source", "note", "charge", "rma", "trunk", "pack", "cause"}
SAME_IN_FRENCH |= {"code", "position", "description", "options", "logo", "action", "ticket"}
SAME_IN_FRENCH |= {"message", "user agent", "id", "total"}


def test_back_office_labels_every_field_in_french():
    """Every field of a model of ours the back office shows has a French label: a field
    without a verbose name showed its English attribute name ('Created by', 'Api key') on the
    French pages."""
    from pathlib import Path

    from django.contrib import admin
    from django.utils import translation

    ours = [
        model
        for model in admin.site._registry
        if Path(model._meta.app_config.path).parent == Path(settings.BASE_DIR)
    ]
    assert len(ours) > 40
    untranslated = []
    with translation.override("fr"):
        for model in ours:
            for field in model._meta.get_fields():
                if field.auto_created or not hasattr(field, "verbose_name"):
                    continue
                label = str(field.verbose_name)
                if label == field.name.replace("_", " ") and label not in SAME_IN_FRENCH:
                    untranslated.append(f"{model._meta.label}.{field.name}")
    assert untranslated == []


@pytest.fixture
def back_office(client, db):
    """A member of staff signed in to the back office (with the second factor it asks for)."""
    from tests.factories import sign_in_staff

    client.staff = sign_in_staff(client)
    return client


def test_back_office_titles_elide_de_before_a_vowel(back_office):
    """Django's admin titles read "Modification de utilisateur" and "Affichage de import de CDR"
    in French; the back office writes "Modification d'utilisateur", "Affichage d'import de
    CDR", in the page's title and its heading. English is left as it is."""
    import re

    from django.urls import reverse

    from tests.factories import ClientFactory
    from tests.offers.factories import make_contract
    from usage.models import ImportBatch

    client, staff = back_office, back_office.staff

    def shown(url, language):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        title = re.search(r"<title>(.*?)</title>", page).group(1).split(" | ")[-2]
        heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
        return title, heading

    user_page = reverse("admin:accounts_user_change", args=[staff.pk])
    assert shown(user_page, "fr") == ("Modification d&#x27;utilisateur",) * 2
    assert shown(user_page, "en") == ("Change user",) * 2
    batch = ImportBatch.objects.create(filename="cdr-2026-10.csv", source="upload")
    batch_page = reverse("admin:usage_importbatch_change", args=[batch.pk])
    assert shown(batch_page, "fr") == ("Affichage d&#x27;import de CDR",) * 2
    # a name starting with a consonant keeps "de"
    contract = make_contract(ClientFactory(), "hosted-a")
    contract_page = reverse("admin:offers_contract_change", args=[contract.pk])
    assert shown(contract_page, "fr") == ("Modification de contrat",) * 2


def test_back_office_sections_have_distinct_names(back_office):
    """The back office's index named two sections "Comptes" (allauth's e-mail addresses and
    our customers, partners, users and API keys): each section now has its own name."""
    from django.urls import reverse

    def sections(language):
        index = back_office.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
        return [str(app["name"]) for app in index.context["app_list"]]

    for language in ("fr", "en"):
        assert len(sections(language)) == len(set(sections(language))), sections(language)
    assert {"Comptes", "Clients et partenaires"} <= set(sections("fr"))


def test_elision_touches_only_the_titles_de():
    """The filter elides the "de" Django's title puts before the model's name, nothing else:
    an object's name in a title (the history page) is the user's text."""
    from django.utils import translation

    from kernel.templatetags.wording import elide

    with translation.override("fr"):
        assert elide("Modification de utilisateur") == "Modification d'utilisateur"
        assert elide("Affichage de heure de qualité de trafic") == (
            "Affichage d'heure de qualité de trafic"
        )
        assert elide("Modification de contrat") == "Modification de contrat"
        assert elide("Modification de yaourt") == "Modification de yaourt"
        history = "Historique des changements : Panne de ascenseur"
        assert elide(history) == history
    with translation.override("en"):
        assert elide("Change de utilisateur") == "Change de utilisateur"


def test_back_office_names_in_french_where_the_audit_saw_english(back_office):
    """The French back office showed "KERNEL" as a section, django-celery-beat's "Task Name",
    "Par Task Name" and "Periodic Tasks Using This Schedule" (not translatable: no gettext),
    and three help texts of usage without a translation."""
    from django.apps import apps
    from django.urls import reverse
    from django.utils import translation
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from usage.models import BreachCredit, ImportBatch

    index = back_office.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
    sections = {str(app["name"]) for app in index.context["app_list"]}
    assert "Système" in sections and "Kernel" not in sections
    with translation.override("fr"):
        assert str(apps.get_app_config("portal").verbose_name) == "Portail"
        texts = [
            ImportBatch._meta.get_field("done_ranges").verbose_name,
            ImportBatch._meta.get_field("done_ranges").help_text,
            BreachCredit._meta.get_field("line_key").help_text,
        ]
        assert [str(text) for text in texts] == [
            "tranches faites au-delà de la ligne suivante",
            "Plages de lignes [première, suivante) enregistrées dans le désordre (tranches "
            "parallèles).",
            "La ligne de consommation du mois créditée (ce qu'une facturation ultérieure facture "
            "se mesure à ce qui a été facturé, moins ce crédit).",
        ]

    crontab = CrontabSchedule.objects.create(minute="0", hour="3")
    PeriodicTask.objects.create(name="Purge", task="kernel.tasks.prune_changes", crontab=crontab)
    tasks = back_office.get(
        reverse("admin:django_celery_beat_periodictask_changelist"), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Par nom de la tâche" in tasks and "Task Name" not in tasks
    assert "Planification" in tasks and "Scheduler" not in tasks
    schedule = back_office.get(
        reverse("admin:django_celery_beat_crontabschedule_change", args=[crontab.pk]),
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "Tâches périodiques utilisant cette planification" in schedule
    assert "Nom de la tâche" in schedule and "kernel.tasks.prune_changes" in schedule
    assert "Task Name" not in schedule and "Using This Schedule" not in schedule
    assert "En clair" in schedule and "Human readable" not in schedule


# The back office's django-celery-beat section read « TÂCHES PÉRIODIQUE », « Intervales »,
# « Tâches périodique », « Évènements solaire » (the package's own French catalogue, misspelt):
# the project's catalogue, read first (LOCALE_PATHS), names them correctly.
def test_back_office_periodic_tasks_section_is_spelt_right(back_office):
    index = back_office.get("/backoffice/django_celery_beat/", HTTP_ACCEPT_LANGUAGE="fr")
    page = index.content.decode()
    for right in ("Tâches périodiques", "Intervalles", "Événements solaires"):
        assert right in page
    for wrong in ("Tâches Périodique", "Intervales", "Tâches périodique<", "solaire<"):
        assert wrong not in page
