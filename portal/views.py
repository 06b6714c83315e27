"""Pages that gather several apps: the dashboard. Each capability adds its card here."""

from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import check_for_language
from django.views import i18n
from django.views.decorators.cache import cache_control

from accounts import selectors
from accounts.decorators import member_required
from accounts.services import user_set_language
from billing import selectors as billing_selectors
from kernel.clock import paris_today
from offers import selectors as offer_selectors
from payments import selectors as payment_selectors
from support import selectors as support_selectors
from usage import selectors as usage_selectors

RECENT_CONTRACTS = 3


def set_language(request):
    """Django's language switch (the cookie), which is also the signed-in person's language for
    the e-mails they receive."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language
        and check_for_language(language)
    ):
        user_set_language(user=request.user, language=language)
    return response


def dashboard(request):
    # Staff belong to no customer: their home is the console (issue 17), not "Accès refusé".
    if request.user.is_authenticated and request.user.is_staff:
        if selectors.membership_for(request.user) is None:
            return redirect("console:home")
    return _customer_dashboard(request)


@member_required()
def _customer_dashboard(request):
    client = request.client
    return render(
        request,
        "portal/dashboard.html",
        {
            "client": client,
            "site_count": selectors.site_list(client=client).count(),
            "member_count": selectors.member_list(client=client).count(),
            "live_contract_count": offer_selectors.contract_live_count(client=client),
            # PLATFORM 28: our recent decisions on the increases the customer asked for
            "quantity_decisions": offer_selectors.quantity_decisions(client=client),
            # The card links to contracts, it does not need their lines or terminations.
            "recent_contracts": list(
                offer_selectors.contract_list(client=client).prefetch_related(None)[
                    :RECENT_CONTRACTS
                ]
            ),
            # ACC-2: amounts due are shown to the roles that may see invoices only. The payments
            # page's own figures: a disputed part is set aside there too (BIL-8).
            "invoices_due": (
                payment_selectors.account_summary(client, paris_today())
                if request.membership.can("billing")
                else None
            ),
            "billing_partner": billing_selectors.billing_partner(client=client),
            # Every open status counts, "new" included (issue 17 item 2).
            "open_tickets": support_selectors.open_tickets(client=client),
            # The card "This month's consumption" (usage): total, calls, alert reached.
            "consumption": usage_selectors.dashboard_card(client=client),
        },
    )


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the site's icon."""
    return redirect(static("favicon.svg"), permanent=True)
