"""Pages that gather several apps: the dashboard. Each capability adds its card here."""

from django.shortcuts import render

from accounts import selectors
from accounts.decorators import member_required
from billing import selectors as billing_selectors
from offers import selectors as offer_selectors

RECENT_CONTRACTS = 3


@member_required()
def dashboard(request):
    client = request.client
    return render(
        request,
        "portal/dashboard.html",
        {
            "client": client,
            "site_count": selectors.site_list(client=client).count(),
            "member_count": selectors.member_list(client=client).count(),
            "live_contract_count": offer_selectors.contract_live_count(client=client),
            # The card links to contracts, it does not need their lines or terminations.
            "recent_contracts": list(
                offer_selectors.contract_list(client=client).prefetch_related(None)[
                    :RECENT_CONTRACTS
                ]
            ),
            # ACC-2: amounts due are shown to the roles that may see invoices only.
            "invoices_due": (
                billing_selectors.invoice_due_summary(client=client)
                if request.membership.can("billing")
                else None
            ),
            "billing_partner": billing_selectors.billing_partner(client=client),
        },
    )
