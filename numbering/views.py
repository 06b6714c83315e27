"""Customer portal pages of numbers (NUM-2): the customer's numbers per site and service, the
search of the pool and the assignment, the release. Port-in requests (NUM-3) are in
``numbering.port_views``.

Every read starts from the signed-in member's customer — another customer's number is a 404,
on GET and POST alike — and every write goes through ``numbering.services``. Viewing is open to
every member; searching, assigning and releasing need the ``technical`` permission (admin and
technical roles, NUM-2).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from phonenumbers import NumberParseException

from accounts.choices import PaymentMethod
from accounts.decorators import member_required
from kernel.forms import attach_errors
from numbering import phone
from numbering.choices import NumberState
from numbering.forms import AssignForm, NumberFilterForm, SearchForm
from numbering.models import PhoneNumber
from numbering.services.assignment import (
    MAX_PER_ASSIGNMENT,
    quarantine_days,
    release_numbers,
    search_available,
)
from numbering.services.assignment import assign_numbers as assign_service
from numbering.services.pricing import PLATFORM, prepaid_quote, products
from numbering.zne import zne_of_site

# ACC-2 / NUM-2: searching, assigning, releasing and bringing numbers (admin and technical).
WRITE = "technical"
NUMBERS_PER_PAGE = 50

NUMBER_BADGES = {
    NumberState.ASSIGNED: "badge ok",
    NumberState.RESERVED: "badge",
    NumberState.PORTING_IN: "badge",
    NumberState.QUARANTINE: "badge off",
    NumberState.PORTED_OUT: "badge off",
}


def number_list_for(client):
    """The customer's numbers with the site and service each serves, by site then service."""
    return (
        PhoneNumber.objects.filter(client=client)
        .select_related("site", "contract__offer", "sip_account", "trunk")
        .order_by(
            F("site__name").asc(nulls_last=True),
            "contract__reference",
            F("sip_account__username").asc(nulls_first=True),
            F("trunk__username").asc(nulls_first=True),
            "e164",
        )
    )


def number_get(*, client, pk: int) -> PhoneNumber:
    """One number of the customer; another customer's (or the pool's) does not exist: 404."""
    try:
        return number_list_for(client).get(pk=pk)
    except PhoneNumber.DoesNotExist as error:
        raise Http404("No such number.") from error


def can_release(number: PhoneNumber) -> bool:
    """NUM-2: an assigned number, not already leaving by a port-out (NUM-4)."""
    return number.state == NumberState.ASSIGNED and number.ported_out_on is None


@member_required()
def number_list(request):
    """NUM-2: the customer's numbers per site and per service, with their state."""
    form = NumberFilterForm(request.GET or None, client=request.client)
    numbers = number_list_for(request.client)
    site = form.selected_site()
    if site is not None:
        numbers = numbers.filter(site=site)
    page = Paginator(numbers, NUMBERS_PER_PAGE).get_page(request.GET.get("page"))
    can_write = request.membership.can(WRITE)
    for number in page.object_list:
        number.badge = NUMBER_BADGES.get(number.state, "badge")
        number.releasable = can_write and can_release(number)
    return render(
        request,
        "numbering/number_list.html",
        {
            "page": page,
            "form": form,
            "is_filtered": site is not None,
            "can_write": can_write,
        },
    )


@member_required(WRITE)
def number_release(request, pk):
    """NUM-2: a confirmation page, then (POST) the number goes to quarantine."""
    number = number_get(client=request.client, pk=pk)
    if not can_release(number):
        messages.error(
            request,
            _("The number %(number)s cannot be released: it is “%(state)s”.")
            % {"number": number.display, "state": number.get_state_display()},
        )
        return redirect("numbering:numbers")
    if request.method == "POST":
        try:
            (released,) = release_numbers(
                client=request.client, numbers=[number], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "The number %(number)s is released. It stays in quarantine until "
                    "%(date)s, then returns to the pool."
                )
                % {
                    "number": released.display,
                    "date": date_format(released.quarantine_until, "SHORT_DATE_FORMAT"),
                },
            )
        return redirect("numbering:numbers")
    return render(
        request,
        "numbering/release_confirm.html",
        {"number": number, "quarantine_days": quarantine_days()},
    )


# --- Search and assignment (NUM-2) -------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    setup: Decimal
    monthly: Decimal


def price_list() -> dict[str, Price]:
    """Catalogue prices per number type (``number-<type>``), € excl. VAT."""
    return {
        code.removeprefix("number-"): Price(product.setup_price, product.monthly_price)
        for code, product in products().items()
    }


def _service_label(target: dict) -> str:
    if "contract" in target:
        contract = target["contract"]
        return _("contract %(reference)s") % {"reference": contract.reference}
    if "sip_account" in target:
        account = target["sip_account"]
        return _("SIP account %(username)s (contract %(reference)s)") % {
            "username": account.username,
            "reference": account.contract.reference,
        }
    trunk = target["trunk"]
    return _("SIP trunk %(username)s (contract %(reference)s)") % {
        "username": trunk.username,
        "reference": trunk.contract.reference,
    }


def _service_contract(target: dict):
    return target.get("contract") or next(iter(target.values())).contract


def _display(e164: str) -> str:
    try:
        return phone.display(e164)
    except NumberParseException:
        return e164


def usable_first(client):
    """The order of the search's results: first the numbers of the zones of the customer's
    sites, then those usable anywhere (not restricted to a zone), then the others."""
    znes = {z for z in (zne_of_site(s) for s in client.sites.all()) if z}
    return Case(
        When(zne__in=sorted(znes), then=Value(0)),
        When(zne_restricted=False, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _search_page(request, search: SearchForm, assign: AssignForm | None, errors=()):
    """The filters, a page of available numbers with their prices (those usable at the
    customer's sites first), the assignment form."""
    results, total, page = None, 0, None
    if not search.is_bound or search.is_valid():
        try:
            pool = search_available(**search.filters()).order_by(
                usable_first(request.client), "e164"
            )
            page = Paginator(pool, NUMBERS_PER_PAGE).get_page(request.GET.get("page"))
            total = page.paginator.count
            results = list(page.object_list)
        except ValidationError as error:
            attach_errors(search, error)
    prices = price_list()
    for number in results or []:
        number.price = prices.get(number.number_type)
    bound = assign is not None and assign.is_bound
    assign = assign or AssignForm(client=request.client)
    return render(
        request,
        "numbering/search.html",
        {
            "search": search,
            "assign": assign,
            "assign_errors": list(errors),
            "results": results,
            "total": total,
            "page": page,
            "shown_max": MAX_PER_ASSIGNMENT,
            "selected": set(assign["numbers"].value() or []) if bound else set(),
            "has_services": len(assign.fields["service"].choices) > 1,
        },
    )


@member_required(WRITE)
def number_search(request):
    """NUM-2: search the pool; tick numbers, choose the service, see the prices (review),
    confirm. A number taken meanwhile refuses the whole assignment, naming it: the page comes
    back with the message, the selection and the pool as it is now."""
    client = request.client
    search = SearchForm(request.GET or None, client=client)
    if request.method != "POST":
        return _search_page(request, search, None)
    assign = AssignForm(request.POST, client=client)
    step = request.POST.get("step", "review")
    if not assign.is_valid() or step == "back":
        errors = assign.errors.get("numbers", []) if step != "back" else []
        return _search_page(request, search, assign, errors)
    numbers, target = assign.cleaned_data["numbers"], assign.cleaned_data["service"]
    if step == "confirm":
        try:
            rows = assign_service(client=client, numbers=numbers, actor=request.user, **target)
        except ValidationError as error:
            return _search_page(request, search, assign, error.messages)
        messages.success(
            request,
            ngettext(
                "%(count)d number assigned to %(service)s.",
                "%(count)d numbers assigned to %(service)s.",
                len(rows),
            )
            % {"count": len(rows), "service": _service_label(target)},
        )
        return redirect("numbering:numbers")
    return _review_page(request, search, assign, numbers, target)


def _review_page(request, search, assign, numbers, target):
    """The prices of the ticked numbers before the customer confirms (nothing is written)."""
    rows = list(
        PhoneNumber.objects.filter(e164__in=numbers, state=NumberState.AVAILABLE).order_by("e164")
    )
    if len(rows) != len(numbers):
        found = {row.e164 for row in rows}
        missing = [_display(e164) for e164 in numbers if e164 not in found]
        error = ngettext(
            "%(numbers)s is no longer available (just taken, or not ours): choose another number.",
            "%(numbers)s are no longer available (just taken, or not ours): choose other numbers.",
            len(missing),
        ) % {"numbers": ", ".join(missing)}
        return _search_page(request, search, assign, [error])
    prices = price_list()
    setup_total = monthly_total = Decimal("0")
    for row in rows:
        row.price = prices.get(row.number_type) or Price(Decimal("0"), Decimal("0"))
        setup_total += row.price.setup
        monthly_total += row.price.monthly
    contract = _service_contract(target)
    prepaid = request.client.payment_method == PaymentMethod.PREPAID and contract.preset == PLATFORM
    # PLATFORM 24.1.3: the amount the confirmation takes from the prepaid balance, shown first
    prepaid_debit = prepaid_quote(rows, contract) if prepaid else None
    return render(
        request,
        "numbering/assign_confirm.html",
        {
            "rows": rows,
            "service_value": request.POST.get("service"),
            "service_label": _service_label(target),
            "site": contract.site,
            "setup_total": setup_total,
            "monthly_total": monthly_total,
            "prepaid": prepaid,
            "prepaid_debit": prepaid_debit,
            "search_query": request.GET.urlencode(),
            "quarantine_days": quarantine_days(),
        },
    )
