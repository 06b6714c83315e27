"""Forms of the customer portal's number pages (NUM-2, NUM-3). The rules (what is available, a
RIO's check key, the holder's SIRET, the desired date, the mandate) are checked by
``numbering.services``; the forms only parse what was typed, within bounds, and offer the
customer's own sites and services."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Site
from kernel.inputs import AsciiModelChoiceField, BoundedDateField
from numbering.choices import NumberType
from numbering.services.assignment import MAX_PER_ASSIGNMENT
from numbering.services.porting import MAX_LINES
from numbering.zne import zne_of_site
from offers.choices import LIVE_STATUSES
from offers.models import Contract
from telephony.models import SipAccount, Trunk

E164 = re.compile(r"^\+[0-9]{8,15}$", re.ASCII)
DIGITS = re.compile(r"^[0-9]{1,8}$", re.ASCII)
PREFIX = re.compile(r"^0[0-9]{0,7}$", re.ASCII)


def live_contracts(client):
    """The customer's contracts in service that numbers can go to (not an equipment rental)."""
    return (
        Contract.objects.filter(
            client=client, status__in=LIVE_STATUSES, offer__telephone_service=True
        )
        .select_related("offer", "site")
        .order_by("reference")
    )


def service_choices(client, *, contracts: bool = True) -> list:
    """The customer's services in service, grouped: contracts, SIP accounts, trunks. A value
    is ``contract:<id>``, ``sip:<id>`` or ``trunk:<id>``."""
    choices = []
    if contracts:
        rows = [
            (f"contract:{c.pk}", f"{c.reference} — {c.offer.display_name}")
            for c in live_contracts(client)
        ]
        if rows:
            choices.append((_("Contracts"), rows))
    accounts = (
        SipAccount.objects.filter(contract__client=client, contract__status__in=LIVE_STATUSES)
        .select_related("contract")
        .order_by("contract__reference", "username")
    )
    rows = [
        (
            f"sip:{a.pk}",
            f"{a.username}{f' ({a.label})' if a.label else ''} — {a.contract.reference}",
        )
        for a in accounts
    ]
    if rows:
        choices.append((pgettext_lazy("heading", "SIP accounts"), rows))
    trunks = (
        Trunk.objects.filter(contract__client=client, contract__status__in=LIVE_STATUSES)
        .select_related("contract")
        .order_by("contract__reference")
    )
    rows = [(f"trunk:{t.pk}", f"{t.username} — {t.contract.reference}") for t in trunks]
    if rows:
        choices.append((_("SIP trunks"), rows))
    return choices


def resolve_service(client, value: str) -> dict:
    """``contract:<id>`` → ``{"contract": …}`` (or ``sip_account``, ``trunk``), the customer's
    own and in service only: anything else is None."""
    kind, _sep, pk = (value or "").partition(":")
    if not pk.isascii() or not pk.isdigit():
        return {}
    live = {"status__in": LIVE_STATUSES}
    if kind == "contract":
        found = Contract.objects.filter(client=client, pk=pk, **live).first()
        return {"contract": found} if found else {}
    if kind == "sip":
        found = (
            SipAccount.objects.filter(contract__client=client, pk=pk)
            .filter(**{f"contract__{k}": v for k, v in live.items()})
            .select_related("contract")
            .first()
        )
        return {"sip_account": found} if found else {}
    if kind == "trunk":
        found = (
            Trunk.objects.filter(contract__client=client, pk=pk)
            .filter(**{f"contract__{k}": v for k, v in live.items()})
            .select_related("contract")
            .first()
        )
        return {"trunk": found} if found else {}
    return {}


class SiteChoiceField(AsciiModelChoiceField):
    def label_from_instance(self, site):
        zne = zne_of_site(site)
        if zne:
            return _("%(site)s — ZNE %(zne)s") % {"site": site.name, "zne": zne}
        return site.name


class NumberFilterForm(forms.Form):
    """The numbers list's filter (one of the customer's sites), read from the query string."""

    site = SiteChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("All sites"),
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(client=client).order_by("name")

    def selected_site(self):
        return self.cleaned_data.get("site") if self.is_valid() else None


class SearchForm(forms.Form):
    """NUM-2: the pool's filters — type, site (its ZNE), "ends with", "starts with"."""

    number_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *NumberType.choices],
    )
    site = SiteChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Any site"),
        help_text=_("Only the numbers that may be used at this site (its ZNE)."),
    )
    starts_with = forms.CharField(
        label=_("Starts with"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "0172"}),
    )
    ends_with = forms.CharField(
        label=_("Ends with"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "00"}),
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(client=client).order_by("name")

    def clean_starts_with(self):
        value = re.sub(r"\s", "", self.cleaned_data["starts_with"])
        if value and not PREFIX.match(value):
            raise forms.ValidationError(_("Up to 8 digits, starting with 0."))
        return value

    def clean_ends_with(self):
        value = self.cleaned_data["ends_with"].strip()
        if value and not DIGITS.match(value):
            raise forms.ValidationError(_("Up to 8 digits."))
        return value

    def filters(self) -> dict:
        """The cleaned filters for ``search_available`` (an invalid form filters nothing)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "number_type": data["number_type"] or None,
            "site": data["site"],
            "starts_with": data["starts_with"] or None,
            "ends_with": data["ends_with"] or None,
        }


class NumberListField(forms.Field):
    """The ticked numbers (E.164), 1 to ``MAX_PER_ASSIGNMENT``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return list(dict.fromkeys(str(item).strip() for item in value))

    def validate(self, value):
        if not value:
            raise forms.ValidationError(_("Choose at least one number."), code="required")
        if len(value) > MAX_PER_ASSIGNMENT:
            raise forms.ValidationError(
                _("At most %(n)d numbers at a time."),
                code="too_many",
                params={"n": MAX_PER_ASSIGNMENT},
            )
        if any(not E164.match(item) for item in value):
            raise forms.ValidationError(_("Choose numbers from the list."), code="invalid")


class AssignForm(forms.Form):
    """NUM-2: the ticked numbers and the service they will serve."""

    numbers = NumberListField(label=_("Numbers"))
    service = forms.ChoiceField(label=_("Assign to"), choices=())

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["service"].choices = [
            ("", _("— Choose a service —")),
            *service_choices(client),
        ]

    def clean_service(self):
        target = resolve_service(self.client, self.cleaned_data["service"])
        if not target:
            raise forms.ValidationError(_("Choose one of your services in the list."))
        return target


class PortRequestForm(forms.Form):
    """NUM-3: the request's fields. Empty fields are left to the service, which names every
    problem at once (with the lines')."""

    holder_name = forms.CharField(
        label=_("Holder's name"),
        required=False,
        max_length=200,
        help_text=_("As the current operator knows it (the company's legal name)."),
    )
    holder_siret = forms.CharField(
        label=_("Holder's SIRET"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    current_operator = forms.CharField(label=_("Current operator"), required=False, max_length=100)
    desired_date = BoundedDateField(
        label=_("Desired porting date"),
        required=False,
        help_text=_("A business day: Monday to Friday, public holidays excluded."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contract = AsciiModelChoiceField(
        label=_("Contract the numbers will serve"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("— Choose a contract —"),
    )
    service = forms.ChoiceField(
        label=_("SIP account or trunk (optional)"),
        required=False,
        choices=(),
        help_text=_("Of the contract chosen above."),
    )
    mandate = forms.FileField(
        label=_("Mandate signed by the holder"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text=_("A PDF of 10 MB at most. Required to send the request."),
    )

    # Required by the service (which checks them all at once, with the lines): marked « * » as
    # on the other forms of the portal.
    MARKED_REQUIRED = (
        "holder_name",
        "holder_siret",
        "current_operator",
        "desired_date",
        "contract",
    )

    def __init__(self, *args, client, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        for name in self.MARKED_REQUIRED:
            self.fields[name].marked_required = True
            self.fields[name].widget.attrs["aria-required"] = "true"
        if editing:
            # The contract and service of a request are fixed; cancel and start again to change.
            del self.fields["contract"]
            del self.fields["service"]
            return
        self.fields["contract"].queryset = live_contracts(client)
        self.fields["contract"].label_from_instance = lambda c: (
            f"{c.reference} — {c.offer.display_name}" + (f" · {c.site.name}" if c.site_id else "")
        )
        self.fields["service"].choices = [
            ("", _("— None —")),
            *service_choices(client, contracts=False),
        ]

    def clean_service(self):
        value = self.cleaned_data.get("service")
        if not value:
            return {}
        target = resolve_service(self.client, value)
        if not target:
            raise forms.ValidationError(_("Choose one of your services in the list."))
        contract = self.cleaned_data.get("contract")
        service = next(iter(target.values()))
        if contract is not None and service.contract_id != contract.pk:
            raise forms.ValidationError(_("The SIP account or trunk is not of this contract."))
        return target


class PortLineForm(forms.Form):
    """One line of a port-in request: a number and its RIO, as typed (the service normalises
    and checks them). A line left empty is ignored."""

    number = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "01 23 45 67 89"}),
    )
    rio = forms.CharField(
        label=_("RIO"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"placeholder": "01P 123456 ABC", "autocapitalize": "characters"}
        ),
    )

    def line(self) -> dict | None:
        number = (self.cleaned_data.get("number") or "").strip()
        rio = (self.cleaned_data.get("rio") or "").strip()
        return {"number": number, "rio": rio} if number or rio else None


PortLineFormSet = forms.formset_factory(
    PortLineForm,
    extra=0,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)
