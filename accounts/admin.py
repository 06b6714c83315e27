"""Back office for staff: partners, API keys, customers, sites, users and roles, audit log."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.audit import audit_record, changed, snapshot
from accounts.models import ApiKey, AuditLog, Client, Heartbeat, Membership, Partner, Site, User

admin.site.site_header = _("Back office")
admin.site.site_title = _("Back office")
admin.site.index_title = _("Reseller administration")


class AuditedAdminMixin:
    """Every change made in the back office lands in the audit log with before/after (ACC-4)."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = snapshot(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        after = snapshot(obj)
        old, new = changed(before, after) if change else ({}, after)
        if new:
            audit_record(
                action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                instance=obj,
                actor=request.user,
                before=old,
                after=new,
            )

    def delete_model(self, request, obj):
        audit_record(
            action=f"{obj._meta.model_name}.delete",
            instance=obj,
            actor=request.user,
            before=snapshot(obj),
        )
        super().delete_model(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """Rows written by services only (history, issued documents): shown, never edited."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "address_line1", "postal_code", "city", "insee_code", "cost_centre"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "client"
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "invited_by", "created_at"]
    readonly_fields = ["invited_by", "created_at"]


@admin.register(Partner)
class PartnerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "billing_mode",
        "wholesale_discount_percent",
        "host_name",
        "support_email",
        "is_active",
    ]
    list_filter = ["billing_mode", "is_active"]
    search_fields = ["name", "host_name", "support_email"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "partner",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["partner", "read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "partner__name"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["partner", "name", "read_only", *readonly_fields]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        key, raw = services.api_key_create(
            partner=obj.partner, name=obj.name, read_only=obj.read_only, actor=request.user
        )
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(
            request, _("Copy this key now, it will never be shown again: %(key)s") % {"key": raw}
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(api_key=key, actor=request.user)
        messages.success(request, _("Keys revoked."))


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "legal_name",
        "siren",
        "partner",
        "vat_regime",
        "payment_method",
        "status",
        "created_at",
    ]
    list_filter = ["status", "partner", "vat_regime", "payment_method", "is_telecom_professional"]
    search_fields = ["legal_name", "siren", "siret", "vat_number", "city"]
    list_select_related = ["partner"]
    inlines = [SiteInline, MembershipInline]


@admin.register(Site)
class SiteAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "client", "city", "insee_code", "cost_centre"]
    search_fields = ["name", "city", "insee_code", "client__legal_name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "language"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2", "is_staff"]})
    ]
    actions = ["declare_compromised"]

    @admin.action(description=_("Declare the password compromised"))
    def declare_compromised(self, request, queryset):
        for user in queryset:
            services.user_declare_compromised(user=user, actor=request.user)
        messages.success(request, _("Passwords invalidated, sessions ended, reset links sent."))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "role", "created_at"]
    list_filter = ["role", "client__partner"]
    search_fields = ["user__email", "client__legal_name"]
    list_select_related = ["user", "client"]
    autocomplete_fields = ["user", "client"]

    def save_model(self, request, obj, form, change):
        if change:
            try:
                services.member_change_role(membership=obj, role=obj.role, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return
        super().save_model(request, obj, form, change)
        audit_record(
            action="member.create", instance=obj, actor=request.user, after={"role": obj.role}
        )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "actor_api_key", "action", "object_repr", "client"]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["object_repr", "object_id", "actor__email", "client__legal_name", "action"]
    list_select_related = ["actor", "actor_api_key", "client"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beats", "last_beat_at"]
