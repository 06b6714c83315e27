"""The console's home and its work queues: most urgent first, filters by partner and by
assignee, "assign to me"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import selectors, services
from console.access import staff_required
from console.forms import QueueFilterForm
from console.views.common import render_console
from kernel.forms import error_text
from kernel.queues import REGISTRY

ROWS_PER_PAGE = 50


def _queue(request, key):
    queue = REGISTRY.get(key)
    if queue is None:
        raise Http404
    if queue.team not in request.teams:
        raise PermissionDenied
    return queue


@staff_required()
def home(request):
    return render_console(request, "console/home.html")


@staff_required()
def queue(request, key):
    work_queue = _queue(request, key)
    form = QueueFilterForm(request.GET or None)
    partner, assignee = None, ""
    if form.is_bound and form.is_valid():
        partner = form.cleaned_data["partner"]
        assignee = form.cleaned_data["assignee"] or ""
    rows = selectors.queue_rows(
        work_queue,
        partner_id=partner.pk if partner else None,
        assignee=assignee,
        user=request.user,
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_console(
        request,
        "console/queue.html",
        {
            "queue": work_queue,
            "form": form,
            "page": page,
            "rows": page.object_list,
            "filter_query": query.urlencode(),
            "total": len(rows),
        },
    )


@staff_required()
@require_POST
def assign(request, key, pk):
    """ "Assign to me" (or "release" with ``release``); back to the page it came from."""
    work_queue = _queue(request, key)
    try:
        if request.POST.get("release"):
            services.assignment_release(queue_key=work_queue.key, item_pk=pk, actor=request.user)
            messages.success(request, _("Item released."))
        else:
            services.assignment_take(queue_key=work_queue.key, item_pk=pk, actor=request.user)
            messages.success(request, _("Item assigned to you."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    back = request.POST.get("next", "")
    # an address of this site only: ``redirect`` takes a text without "/" for a view's name
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect("console:queue", work_queue.key)
    return HttpResponseRedirect(back)
