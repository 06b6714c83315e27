"""Back office of the ECB rates (BIL-6): the rates staff enter, set through a service."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin
from kernel.inputs import typed_amount_field
from kernel.widgets import IsoDateInput
from payments.models import EcbRate
from payments.services.late_charges import ecb_rate_set

LATE_RATE_POINTS = Decimal("10")  # BIL-6: the late-payment rate is the ECB rate + 10 points


class EcbRateForm(forms.Form):
    effective_on = forms.DateField(
        label=_("in force on"),
        widget=IsoDateInput(),
        help_text=_("1 January or 1 July: the rate in force that day counts for the half-year."),
    )
    rate = typed_amount_field(_("ECB rate (%)"), max_digits=6, decimal_places=3, min_value=None)


@admin.register(EcbRate)
class EcbRateAdmin(ServiceRowsAdmin):
    """BIL-6: the ECB main refinancing rates kept by staff (L441-10). Adding a rate for a date
    that already has one replaces it (``services.ecb_rate_set``, audited)."""

    adds_through_service = True

    list_display = ["effective_on", "rate", "late_rate", "created_by", "created_at"]
    fields = ["effective_on", "rate", "late_rate", "created_by", "created_at"]
    readonly_fields = fields
    list_select_related = ["created_by"]

    @admin.display(description=_("late-payment rate (%)"))
    def late_rate(self, row):
        return row.rate + LATE_RATE_POINTS

    def _set(self, request):
        def call(data):
            row = ecb_rate_set(
                effective_on=data["effective_on"], rate=data["rate"], actor=request.user
            )
            return gettext("ECB rate in force on %(date)s: %(rate)s%%.") % {
                "date": row.effective_on.strftime("%d/%m/%Y"),
                "rate": row.rate,
            }, row

        return call

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.service_form(
            request, EcbRateForm, self._set(request), title=gettext("Set an ECB rate")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.get_object(request, unquote(object_id))
        if row is None:
            raise Http404
        if not self.has_act_permission(request):
            return super().change_view(request, object_id, form_url, extra_context)
        return self.service_form(
            request,
            EcbRateForm,
            self._set(request),
            title=gettext("Change the ECB rate in force on %(date)s")
            % {"date": row.effective_on.strftime("%d/%m/%Y")},
            initial={"effective_on": row.effective_on, "rate": row.rate},
        )
