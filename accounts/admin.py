"""Back office for staff: partners, API keys, customers, sites, users and roles, audit log."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import brand_colours, logos, services
from accounts import scopes as key_scopes
from accounts.api_keys import (
    DEFAULT_OVERLAP,
    MAX_OVERLAP,
    api_key_create,
    api_key_revoke,
    api_key_rotate,
)
from accounts.audit import audit_record, changed, snapshot
from accounts.choices import ClientStatus
from accounts.models import ApiKey, AuditLog, Client, Heartbeat, Membership, Partner, Site, User
from kernel.admin import ServiceRowsAdmin, TypedAmountsMixin, run_each

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

    def delete_queryset(self, request, queryset):
        """The list's « delete selected »: each object audited as on its own page."""
        for obj in queryset:
            audit_record(
                action=f"{obj._meta.model_name}.delete",
                instance=obj,
                actor=request.user,
                before=snapshot(obj),
            )
        super().delete_queryset(request, queryset)


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


def _refuse_closed_client(form, message, field: str | None = "client") -> None:
    """ACC-1: a row added to a closed customer (a site, a person) is refused on ``field``, as
    the services refuse it (``accounts.services.client_open_check``: the customer's row locked
    until the page's transaction ends). A customer being closed on the same page counts as
    closed."""
    client = form.cleaned_data.get("client")
    if form.instance.pk is not None or client is None:
        return
    try:
        if client.status == ClientStatus.CLOSED:
            raise ValidationError({"client": message})
        services.client_open_check(client, message)
    except ValidationError:
        form.add_error(field, message)


class SiteAdminForm(forms.ModelForm):
    refused_on = "client"

    def clean(self):
        cleaned = super().clean()
        _refuse_closed_client(self, services.CLOSED_TO_SITES, field=self.refused_on)
        return cleaned


class SiteInlineForm(SiteAdminForm):
    refused_on = None  # the customer is the page's, a hidden field: the error above the block


class MembershipAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        _refuse_closed_client(self, services.CLOSED_TO_INVITATIONS)
        return cleaned


class SiteInline(admin.StackedInline):
    """ACC-1: the customer's sites, one block each. As a table, six text inputs of the admin's
    20em made the customer's page 2 172 px wide at 1 280; a block's lines wrap at any width."""

    model = Site
    form = SiteInlineForm
    extra = 0
    show_change_link = True
    fields = [
        ("name", "cost_centre"),
        "address_line1",
        "address_line2",
        ("postal_code", "city"),
        "insee_code",
    ]
    # characters shown by the short inputs (names and addresses keep the admin's width)
    widths = {"postal_code": 5, "insee_code": 5, "city": 16, "cost_centre": 12}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.widths:
            kwargs["widget"] = forms.TextInput(attrs={"size": self.widths[db_field.name]})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    """The customer's people, read-only here: a role changed or a person removed on the
    customer's page would skip the services' rules (ACC-2: the company keeps an administrator)
    and their audit — each row links to its membership page, which goes through them."""

    model = Membership
    fk_name = "client"
    extra = 0
    fields = ["user", "role", "invited_by", "created_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "logo":
            # ACC-3: a file Pillow cannot read (an SVG, a text) gets the words a GIF gets.
            field.error_messages["invalid_image"] = logos.NOT_PNG_OR_JPEG
        if db_field.name == "primary_color":
            # ACC-3: white text on it and links in it stay readable (WCAG AA, 4.5:1).
            field.validators.append(brand_colours.validate_readable_on_white)
        return field


class ApiKeyCreateForm(forms.Form):
    """A new key of a partner (``api_key_create``): its raw value is shown once."""

    partner = forms.ModelChoiceField(label=_("partner"), queryset=Partner.objects.all())
    name = forms.CharField(label=_("name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=key_scopes.SCOPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: full access (*:write and keys:write)."),
    )
    expires_at = forms.DateTimeField(label=_("expires at"), required=False)
    allowed_ips = forms.CharField(
        label=_("allowed addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One IP address or CIDR network per line; empty: any address."),
    )

    def clean_allowed_ips(self):
        lines = [line.strip() for line in self.cleaned_data["allowed_ips"].splitlines()]
        return key_scopes.clean_allowlist([line for line in lines if line])


class ApiKeyRotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("overlap (hours)"),
        min_value=0,
        max_value=int(MAX_OVERLAP.total_seconds() // 3600),
        initial=int(DEFAULT_OVERLAP.total_seconds() // 3600),
        help_text=_("How long the old key keeps working (7 days at most)."),
    )


def _show_key(modeladmin, request, raw: str) -> None:
    modeladmin.message_user(
        request,
        gettext("Copy this key now, it will never be shown again: %(key)s") % {"key": raw},
        messages.WARNING,
        extra_tags="secret",  # kept in the session, never in the messages cookie
    )


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceRowsAdmin):
    """ACC-3: partners' keys with their scopes, expiry, allowlist and last use. Added, rotated
    and revoked through ``accounts.api_keys`` (audited); never edited, never deleted."""

    adds_through_service = True

    list_display = [
        "name",
        "partner",
        "prefix",
        "scope_list",
        "expires_at",
        "allowlist",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    list_filter = [
        "partner",
        ("revoked_at", admin.EmptyFieldListFilter),
        ("expires_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    fields = [
        "partner",
        "name",
        "prefix",
        "scope_list",
        "expires_at",
        "allowlist",
        "rotated_from",
        "successor",
        "created_by",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["rotate", "revoke"]

    @admin.display(description=_("scopes"))
    def scope_list(self, key):
        return ", ".join(key.scopes)

    @admin.display(description=_("allowed addresses"))
    def allowlist(self, key):
        return ", ".join(key.allowed_ips) or "—"

    @admin.display(description=_("replaced by"))
    def successor(self, key):
        return getattr(key, "rotated_to", None) or "—"

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def create(data):
            key, raw = api_key_create(
                partner=data["partner"],
                name=data["name"],
                scopes=data["scopes"] or None,
                expires_at=data["expires_at"],
                allowed_ips=data["allowed_ips"],
                actor=request.user,
            )
            _show_key(self, request, raw)
            return gettext("API key created."), key

        return self.service_form(
            request, ApiKeyCreateForm, create, title=gettext("Add %s") % self.opts.verbose_name
        )

    @admin.action(description=_("Rotate the selected keys…"), permissions=["act"])
    def rotate(self, request, queryset):
        def rotate_one(key, data):
            _successor, raw = api_key_rotate(
                api_key=key, overlap=timedelta(hours=data["overlap_hours"]), actor=request.user
            )
            _show_key(self, request, raw)

        return self.service_form_action(
            request,
            queryset,
            ApiKeyRotateForm,
            rotate_one,
            title=gettext("Rotate API keys"),
            intro=gettext(
                "Each key gets a successor with the same name, scopes and addresses, shown once; "
                "the old key keeps working during the overlap."
            ),
            done_message=ngettext_lazy(
                "%(count)d key rotated.", "%(count)d keys rotated.", "count"
            ),
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["act"])
    def revoke(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda key: api_key_revoke(api_key=key, actor=request.user),
            ngettext_lazy("%(count)d key revoked.", "%(count)d keys revoked.", "count"),
        )


class ClientAdminForm(forms.ModelForm):
    """ACC-1: setting a customer to « closed » is refused while it still has contracts running
    or an amount due (``accounts.services.client_closing_check``): the form names them."""

    def clean(self):
        cleaned = super().clean()
        closing = (
            self.instance.pk
            and self.initial.get("status") != ClientStatus.CLOSED
            and cleaned.get("status") == ClientStatus.CLOSED
        )
        if closing:
            # the customer's row stays locked until the change is saved (the page's transaction)
            client = Client.objects.select_for_update().get(pk=self.instance.pk)
            try:
                services.client_closing_check(client)
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


@admin.register(Client)
class ClientAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = ClientAdminForm
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if (
            change
            and form.initial.get("status") != ClientStatus.CLOSED
            and obj.status == ClientStatus.CLOSED
        ):
            services.client_members_sign_out(obj)


@admin.register(Site)
class SiteAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = SiteAdminForm
    list_display = ["name", "client", "city", "insee_code", "cost_centre"]
    search_fields = ["name", "city", "insee_code", "client__legal_name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]


USER_ACCESS_FIELDS = ["email", "is_active", "is_staff", "is_superuser"]


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

    @staticmethod
    def _access(user) -> dict:
        """What a person may do here (ACC-4, the console's teams): audited when it changes."""
        return {
            **snapshot(user, USER_ACCESS_FIELDS),
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "permissions": sorted(
                f"{app}.{codename}"
                for app, codename in user.user_permissions.values_list(
                    "content_type__app_label", "codename"
                )
            ),
        }

    def save_model(self, request, obj, form, change):
        form.access_before = self._access(User.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """ACC-4: a team, the staff or superuser status, a right or the account's activity given
        or taken away is audited with before/after (the groups are saved here, after the row)."""
        super().save_related(request, form, formsets, change)
        after = self._access(form.instance)
        old, new = changed(form.access_before, after) if change else ({}, after)
        if old or new:
            audit_record(
                action=f"user.{'update' if change else 'create'}",
                instance=form.instance,
                actor=request.user,
                before=old,
                after=new,
            )

    @admin.action(description=_("Declare the password compromised"), permissions=["change"])
    def declare_compromised(self, request, queryset):
        for user in queryset:
            services.user_declare_compromised(user=user, actor=request.user)
        messages.success(request, _("Passwords invalidated, sessions ended, reset links sent."))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
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

    def delete_model(self, request, obj):
        """ACC-2: through ``member_remove`` (the account deactivated and signed out, audited);
        the company's last administrator stays."""
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        for membership in list(queryset):
            try:
                services.member_remove(membership=membership, actor=request.user)
            except ValidationError as error:
                messages.error(
                    request,
                    gettext("Refused for %(object)s: %(reason)s")
                    % {"object": membership, "reason": " ".join(error.messages)},
                )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "actor_api_key", "action", "object_repr", "client"]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "object_repr",
        "object_id",
        "actor__email",
        "client__legal_name",
        "client__siren",
        "action",
    ]
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
