"""Pages that gather several apps: the dashboard. Each capability adds its card here."""

from django.shortcuts import render

from accounts import selectors
from accounts.decorators import member_required


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
        },
    )
