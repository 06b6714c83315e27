"""The back office of the third-party apps the portal wires in, as staff need it: allauth's
second factors and sessions (read-only, a lost factor removable) and django-celery-beat's pages
with French labels. Each replaces the app's own admin (``portal`` comes last in
``INSTALLED_APPS``, after the apps it re-registers)."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.services import authenticator_remove

# allauth's models declare no names (Django derives "user session" and "authenticator" from the
# class names, in English on the French pages: "Modification d'user session"). Named here for
# the back office; options set after the class is built are not part of its migration state
# (``Meta.original_attrs``), so allauth's migrations are unchanged.
for _model, _singular, _plural in (
    (UserSession, _("user session"), _("user sessions")),
    (Authenticator, _("second factor"), _("second factors")),
):
    _model._meta.verbose_name = _singular
    _model._meta.verbose_name_plural = _plural


def _when(value) -> str:
    """A date and time as the admin shows a model's (a read-only callable's value is shown as
    ``str()``: "2026-12-05 09:33:59.217566+00:00")."""
    return date_format(localtime(value), "DATETIME_FORMAT") if value else "—"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows allauth writes: staff read them, never add or edit them here."""

    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("user"), ordering="user__email")
    def holder(self, row):
        return row.user.email


admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """ACC-4: who is signed in, from where. allauth's admin searched ``user__username`` (a field
    our users, signed in by e-mail, lack: the search answered 500) and offered an edit form
    that could not be saved."""

    list_display = ["holder", "started", "last_seen", "address", "browser"]
    search_fields = ["user__email", "ip"]
    ordering = ["-last_seen_at"]
    fields = ["holder", "address", "browser", "started", "last_seen"]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would not end the session it describes: a user is signed out by
        # ending their sessions (declaring the password compromised, removing a member).
        return False

    @admin.display(description=_("IP address"), ordering="ip")
    def address(self, session):
        return session.ip

    @admin.display(description=_("browser"))
    def browser(self, session):
        return session.user_agent

    @admin.display(description=_("signed in at"), ordering="created_at")
    def started(self, session):
        return _when(session.created_at)

    @admin.display(description=_("last seen at"), ordering="last_seen_at")
    def last_seen(self, session):
        return _when(session.last_seen_at)


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    """ACC-4: the users' second factors. Their secrets (``data``: the TOTP seed, the recovery
    codes) are never shown; a factor the user lost is removed (``authenticator_remove``, audited)
    and the user sets a new one up at the next sign-in."""

    list_display = ["holder", "kind", "created", "last_used"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    ordering = ["-created_at"]
    fields = ["holder", "kind", "created", "last_used"]
    readonly_fields = fields

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, authenticator):
        return authenticator.get_type_display()

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, authenticator):
        return _when(authenticator.created_at)

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, authenticator):
        return _when(authenticator.last_used_at)

    def delete_model(self, request, obj):
        authenticator_remove(authenticator=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # Factors first: recovery codes left without one go with it (one audit row a user).
        codes = Authenticator.Type.RECOVERY_CODES
        for authenticator in sorted(queryset, key=lambda row: row.type == codes):
            if Authenticator.objects.filter(pk=authenticator.pk).exists():
                authenticator_remove(authenticator=authenticator, actor=request.user)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            gettext("The user sets a new second factor up at their next sign-in."),
            messages.INFO,
        )
        return super().response_delete(request, obj_display, obj_id)


# django-celery-beat labels a periodic task's task "Task Name", its schedules' list "Periodic
# Tasks Using This Schedule", a task's schedule "Scheduler" and a crontab in words "Human
# readable", all without gettext: untranslatable through a catalogue, so the back office labels
# them itself.
class TaskNameFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("task name")


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = [
        "schedule_display" if name == "scheduler" else name
        for name in beat_admin.PeriodicTaskAdmin.list_display
    ]
    list_filter = [
        ("task", TaskNameFilter) if name == "task" else name
        for name in beat_admin.PeriodicTaskAdmin.list_filter
    ]

    @admin.display(description=_("schedule"))
    def schedule_display(self, periodic_task):
        return periodic_task.scheduler

    # django-celery-beat's actions carry no permission: anyone who may view the tasks could
    # enable, disable or run them (the invoice run, the dunning job…). They need the change right.
    @admin.action(description=beat_admin.PeriodicTaskAdmin.enable_tasks.short_description,
                  permissions=["change"])  # fmt: skip
    def enable_tasks(self, request, queryset):
        return super().enable_tasks(request, queryset)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.disable_tasks.short_description,
                  permissions=["change"])  # fmt: skip
    def disable_tasks(self, request, queryset):
        return super().disable_tasks(request, queryset)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.toggle_tasks.short_description,
                  permissions=["change"])  # fmt: skip
    def toggle_tasks(self, request, queryset):
        return super().toggle_tasks(request, queryset)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.run_tasks.short_description,
                  permissions=["change"])  # fmt: skip
    def run_tasks(self, request, queryset):
        return super().run_tasks(request, queryset)


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields
    verbose_name = _("periodic task using this schedule")
    verbose_name_plural = _("periodic tasks using this schedule")

    @admin.display(description=_("task name"))
    def task_name(self, periodic_task):
        return periodic_task.task


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    list_display = ("__str__", "in_words")
    fields = [
        "in_words" if name == "human_readable" else name
        for name in beat_admin.CrontabScheduleAdmin.fields
    ]
    readonly_fields = ("in_words",)

    @admin.display(description=_("in words"))
    def in_words(self, crontab):
        return crontab.human_readable


for _model, _base in (
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, beat_admin.SolarScheduleAdmin),
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (_base,), {"inlines": [PeriodicTaskInline]}))


# Django names each model's default permissions once, in English, in the database ("Can add API
# key"): a team's page listed them so on the French back office (« Clients et partenaires | clé
# d'API | Can add API key »). They are labelled here in the page's language, from the model's
# translated names; a permission a model declares itself keeps its own name.
PERMISSION_ACTIONS = {
    "add": pgettext_lazy("permission", "%(models)s: add"),
    "change": pgettext_lazy("permission", "%(models)s: change"),
    "delete": pgettext_lazy("permission", "%(models)s: delete"),
    "view": pgettext_lazy("permission", "%(models)s: view"),
}


def permission_label(permission) -> str:
    """« Clients et partenaires | Clés d'API : ajouter » (Django: "… | Can add API key")."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return f"{permission.content_type} | {gettext(permission.name)}"
    words = PERMISSION_ACTIONS[action] % {"models": capfirst(model._meta.verbose_name_plural)}
    return f"{model._meta.app_config.verbose_name} | {words}"


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """The teams (ACC-4, the console's queues) and their rights, named in the page's language."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field
