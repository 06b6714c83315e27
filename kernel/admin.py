"""What every app's back office shares: the action helpers, the base of the admins whose rows
only services write (a payment, a termination, a dispute…) and the month filter."""

import secrets
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import get_last_value_from_parameters
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kernel.clock import paris_today
from kernel.forms import attach_errors, error_text
from kernel.inputs import BoundedDateField, TypedAmountField, parse_month
from kernel.mail import retry_soon
from kernel.models import OutgoingMail
from kernel.money import money, money_number, percent, price_places

ACTION_FORM_TEMPLATE = "admin/action_form.html"


def file_download(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A customer's stored file for staff: a download (``attachment``, ``nosniff``, never
    cached), not a link to /media/ (not served in production; with DEBUG, to anyone)."""
    if not field_file:
        raise Http404("No file.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("File missing.") from missing
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def run_each(modeladmin, request, objects, call, done_message) -> int:
    """Call a service for each selected object; one message per failure, one for the rest."""
    done = 0
    for obj in objects:
        try:
            call(obj)
        except (ValidationError, PermissionDenied) as error:
            # The object is not first: the admin writes a message with a capital first letter,
            # which would change an identifier ("sip9623…" read "Sip9623…").
            modeladmin.message_user(
                request,
                _("Refused for %(object)s: %(reason)s")
                % {"object": obj, "reason": error_text(error)},
                messages.ERROR,
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)
    return done


def capitalise_labels(form):
    """A form's labels start with a capital, as the admin's own forms show a model field's
    verbose name: a form of ours labels its fields with the lower-case verbose names of the
    models (``_("order date")``), which read "date de commande :" among "Client :"."""
    for field in form.fields.values():
        if field.label:
            field.label = capfirst(field.label)
    return form


# Each intermediate page carries a one-time token: a form sent twice (a double click on
# "Confirm", a page sent again with the browser's back button) does its work once.
ONCE_FIELD = "once"


def first_submission(request) -> bool:
    """False when this page's token was already used (the form was sent before). A request
    without a token (not from the page) goes on: the services' own checks still hold."""
    token = request.POST.get(ONCE_FIELD, "")
    if not token:
        return True
    return cache.add(f"admin-once:{token[:64]}", 1, timeout=24 * 3600)


# A write that moves money (or stops a service) is confirmed on a page of its own that states
# what it does (the amounts excl. and incl. VAT, the customer, what is issued). Its token is
# given for what that page showed (``shown``: the strings read there): the confirmation writes
# only that, once; a changed or hand-made confirmation is shown again, a replay does nothing.
SHOW, GO, SENT = "show", "go", "sent"
CONFIRM_TEMPLATE = "admin/confirm_form.html"


def _shown_key(token: str) -> str:
    return f"admin-shown:{token[:64]}"


def confirmation_step(request, shown: list[str]) -> str:
    """``SHOW`` the confirmation page (a first submission, or a confirmation of something else
    than ``shown``), ``GO`` (the confirmation of ``shown``, its token spent now) or ``SENT``
    (its token already spent: nothing is done a second time)."""
    token = request.POST.get(ONCE_FIELD, "")
    if "confirm" not in request.POST or not token:
        return SHOW
    if cache.get(f"admin-once:{token[:64]}") is not None:
        return SENT
    if cache.get(_shown_key(token)) != [request.user.pk, *map(str, shown)]:
        return SHOW
    return GO if first_submission(request) else SENT


def confirmation_page(modeladmin, request, queryset, *, form, title, question, facts, shown):
    """The page asking to confirm ``question`` (« Confirmer l'avoir de 120,00 € TTC ? »), with
    ``facts`` ((label, value) pairs) above a single « Confirmer »; the form's values go back
    hidden, with a token given for ``shown``."""
    token = secrets.token_urlsafe(16)
    cache.set(_shown_key(token), [request.user.pk, *map(str, shown)], timeout=24 * 3600)
    return action_form(
        modeladmin,
        request,
        queryset,
        form=form,
        title=title,
        template=CONFIRM_TEMPLATE,
        question=question,
        facts=facts,
        once=token,
    )


def confirm_first(modeladmin, request, form, confirm, *, title, intro="", queryset=()):
    """For the valid ``form`` of a write that moves money: ``None`` once the confirmation of
    what ``confirm(cleaned_data)`` states (``(question, facts)``) is sent, its token spent now
    (write, once); else the page to answer with — that confirmation, the form with what the
    service would refuse anyway (``confirm``'s ``ValidationError``), or « already sent »."""
    try:
        question, facts = confirm(form.cleaned_data)
    except ValidationError as error:
        attach_errors(form, error)
        return action_form(modeladmin, request, queryset, form=form, title=title, intro=intro)
    shown = [question, *(f"{label}: {value}" for label, value in facts)]
    step = confirmation_step(request, shown)
    if step == SHOW:
        return confirmation_page(
            modeladmin, request, queryset, form=form, title=title, question=question,
            facts=facts, shown=shown,
        )  # fmt: skip
    if step == SENT:
        return already_sent(modeladmin, request)
    return None


def credit_note_facts(number: str, groups, net, vat, gross) -> list[tuple[str, str]]:
    """What a confirmation states of a credit note correcting invoice ``number``: its amounts
    excl. VAT, VAT (with its groups' categories and rates) and incl. VAT."""
    rates = ", ".join(f"{g.category} {percent(floatformat(g.rate, -2))}" for g in groups)
    return [
        (_("To be issued"), _("A credit note (series A) correcting invoice %(number)s")
         % {"number": number}),
        (_("Amount excl. VAT"), money(net)),
        (_("VAT"), f"{money(vat)} ({rates})"),
        (_("Amount incl. VAT"), money(gross)),
    ]  # fmt: skip


def confirmed_form_action(
    modeladmin, request, objects, form_class, *, title, intro, confirm, call, done
):
    """An action with an intermediate page (``form_class``) followed by a confirmation of
    what ``confirm(cleaned_data)`` states; only its confirmation calls ``call(obj,
    cleaned_data)`` for each of ``objects`` (``run_each``), once."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not (form.is_bound and form.is_valid()):
        return action_form(modeladmin, request, objects, form=form, title=title, intro=intro)
    page = confirm_first(
        modeladmin, request, form, confirm, title=title, intro=intro, queryset=objects
    )
    if page is not None:
        return page
    run_each(modeladmin, request, objects, lambda obj: call(obj, form.cleaned_data), done)
    return None


def already_sent(modeladmin, request):
    modeladmin.message_user(
        request,
        _("This form had already been sent: nothing was done a second time."),
        messages.WARNING,
    )
    opts = modeladmin.model._meta
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


def action_form(
    modeladmin, request, queryset, *, form, title, intro="", template=ACTION_FORM_TEMPLATE, **extra
):
    """The intermediate page of an action that needs input, or of an add form that calls a
    service (Django's delete-confirmation pattern: the page posts the selection and the action
    back, with ``apply``). ``template`` and ``extra``: a page of its own that extends it."""
    capitalise_labels(form)
    return render(
        request,
        template,
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "queryset": queryset,
            "opts": modeladmin.model._meta,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "once": secrets.token_urlsafe(16),
            **extra,
        },
    )


class OccurredForm(forms.Form):
    """The day something happened, recorded later, which keeps its real day (deadlines and bills
    read it: an item's move, EQP-1; numbers arrived by porting, NUM-3): today by default, never
    in the future (the services check)."""

    occurred_on = BoundedDateField(
        label=_("occurred on"),
        help_text=_("The day it happened, if earlier than today."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = paris_today()


def form_action(modeladmin, request, queryset, form_class, *, title, intro, call, done):
    """An action with an intermediate page: the form, then ``call(obj, cleaned_data)`` for
    each selected object."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        if not first_submission(request):
            return already_sent(modeladmin, request)
        run_each(modeladmin, request, queryset, lambda obj: call(obj, form.cleaned_data), done)
        return None
    return action_form(modeladmin, request, queryset, form=form, title=title, intro=intro)


def amount_column(model, name: str, *, least: int = 2):
    """A list column showing the ``DecimalField`` ``name`` as the portal writes amounts, in the
    page's language (« 1 500,00 », « 0,8628 »: two decimals, more only when the value has them,
    up to four; ``least=0`` for a quantity: « 1 », « 1,5 »), sorted by the field. The admin
    writes the raw Decimal (« 1500,0000 »)."""

    @admin.display(description=model._meta.get_field(name).verbose_name, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        return None if value is None else money_number(value, price_places(value, least))

    column.__name__ = name  # the cells keep their class (« field-unit_price »)
    return column


class AmountColumnsMixin:
    """For a ``ModelAdmin`` listing amounts (``ServiceRowsAdmin`` and ``TypedAmountsMixin``
    include it): every ``DecimalField`` of ``list_display`` is written as the portal writes
    amounts (``amount_column``); those in ``quantity_columns`` without decimals unless they
    have some. tests/test_admin_amount_columns.py checks every admin."""

    quantity_columns = ()

    def get_list_display(self, request):
        fields = {f.name for f in self.model._meta.fields if isinstance(f, models.DecimalField)}
        return [
            amount_column(self.model, name, least=0 if name in self.quantity_columns else 2)
            if isinstance(name, str) and name in fields
            else name
            for name in super().get_list_display(request)
        ]


class TypedAmountsMixin(AmountColumnsMixin):
    """For a ``ModelAdmin`` or an inline whose form edits amounts (prices, rates, deposits):
    each ``DecimalField`` is a text input read in the page's language (« 1 200,50 » in French,
    ``TypedAmountField``), not the admin's ``<input type="number">``, which an en-US browser
    refuses « 12,50 » in; and its list writes them the same way (``AmountColumnsMixin``).
    tests/test_admin_amounts.py checks every admin's form."""

    formfield_overrides = {models.DecimalField: {"form_class": TypedAmountField}}


class ServiceRowsAdmin(AmountColumnsMixin, admin.ModelAdmin):
    """Rows written by the services only: viewed here, never edited or deleted; changed by
    actions (which need the model's change right) and, where ``adds_through_service`` is set,
    added by a form whose valid submission calls a service (``service_form``)."""

    adds_through_service = False

    def has_add_permission(self, request, obj=None):
        return self.adds_through_service and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_act_permission(self, request) -> bool:
        """Actions change the row through a service: they need the model's change right."""
        return super().has_change_permission(request)

    def admin_url(self, name: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def service_page(self, request, form, *, title, intro="", queryset=()):
        """The shared intermediate page (``admin/action_form.html``)."""
        return action_form(self, request, queryset, form=form, title=title, intro=intro)

    def service_form(
        self, request, form_class, call, *, title, intro="", initial=None, confirm=None
    ):
        """A form whose valid submission calls a service: ``call(cleaned_data)`` returns
        ``(message, object)``; a ``ValidationError`` is shown on the form. ``confirm``: as
        ``service_submit``'s (a write that moves money, confirmed first)."""
        form = form_class(request.POST if request.method == "POST" else None, initial=initial)
        return self.service_submit(request, form, call, title=title, intro=intro, confirm=confirm)

    def service_submit(self, request, form, call, *, title, intro="", queryset=(), confirm=None):
        """``form`` (bound or not) on the shared page; once valid, ``call(cleaned_data)``
        returns ``(message, object)`` and the page of that object follows, or the service's
        ``ValidationError`` is shown on the form (nothing written). With ``confirm`` (a write
        that moves money), ``confirm(cleaned_data)`` gives ``(question, facts)`` for the
        confirmation page first (``confirmation_page``): only its confirmation calls."""
        if form.is_bound and form.is_valid():
            if confirm is not None:
                page = confirm_first(
                    self, request, form, confirm, title=title, intro=intro, queryset=queryset
                )
                if page is not None:
                    return page
            elif not first_submission(request):
                return already_sent(self, request)
            try:
                message, obj = call(form.cleaned_data)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return redirect(self.admin_url("change", obj.pk))
        return action_form(self, request, queryset, form=form, title=title, intro=intro)

    def service_form_action(
        self, request, queryset, form_class, call, *, title, intro, done_message
    ):
        """An action that asks for input first, then calls ``call(obj, cleaned_data)``."""
        return form_action(
            self,
            request,
            queryset,
            form_class,
            title=title,
            intro=intro,
            call=call,
            done=done_message,
        )


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, written by the services only: never added, changed or
    deleted here. Subclasses set ``model`` and ``fields`` (all read-only)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MonthListFilter(admin.FieldListFilter):
    """A month column (the first day of a Paris month) filtered by the months' names, newest
    first: the current month and the ``recent`` before it — what call records keep (PLATFORM
    6.7) —, with no query to list them; a month given in the address outside them is listed
    too. Use as ``list_filter = [("month", MonthListFilter)]``. A value that is not a month
    (``YYYY-MM``, a year in 2000–2100) shows no row."""

    recent = 12

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.parameter_name = field_path
        self.value = get_last_value_from_parameters(params, field_path)
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [self.parameter_name]

    def month(self) -> date | None:
        try:
            return parse_month(self.value) if self.value else None
        except ValidationError:
            return date.min

    def months(self) -> list[date]:
        today = paris_today()
        year, month = today.year, today.month
        listed = []
        for back in range(self.recent + 1):
            index = year * 12 + month - 1 - back
            listed.append(date(index // 12, index % 12 + 1, 1))
        chosen = self.month()
        if chosen and chosen != date.min and chosen not in listed:
            listed = sorted([*listed, chosen], reverse=True)
        return listed

    def queryset(self, request, queryset):
        month = self.month()
        if month is None:
            return queryset
        if month == date.min:
            return queryset.none()
        return queryset.filter(**{self.field_path: month})

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{m:%Y_%m}__c": Count(pk_attname, filter=Q(**{self.field_path: m}))
            for m in self.months()
        }

    def choices(self, changelist):
        counts = self.get_facet_queryset(changelist) if changelist.add_facets else None
        yield {
            "selected": self.value is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
        }
        for m in self.months():
            display = date_format(m, "YEAR_MONTH_FORMAT")
            if counts is not None:
                display = f"{display} ({counts[f'{m:%Y_%m}__c']})"
            yield {
                "selected": self.value == f"{m:%Y-%m}",
                "query_string": changelist.get_query_string({self.parameter_name: f"{m:%Y-%m}"}),
                "display": display,
            }


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ServiceRowsAdmin):
    """The e-mails a mail server refused (``kernel.mail``): staff see what waits, why, and when
    it is tried again; one whose tries ran out can be sent again."""

    list_display = ["created_at", "subject", "to", "attempts", "next_try_at", "sent_at"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "to"]
    readonly_fields = [
        "subject", "body", "to", "created_at", "attempts", "next_try_at", "last_error", "sent_at",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Send again at the next run"), permissions=["act"])
    def send_again(self, request, queryset):
        count = retry_soon(queryset)
        self.message_user(
            request,
            ngettext_lazy(
                "%(count)d e-mail will be sent again within five minutes.",
                "%(count)d e-mails will be sent again within five minutes.",
                "count",
            )
            % {"count": count},
            messages.SUCCESS,
        )
