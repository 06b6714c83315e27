"""Customer portal pages of the accounts domain: company profile, sites, users, security."""

import copy

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import logos, selectors, services
from accounts.context_processors import brand_partner
from accounts.decorators import member_required
from accounts.forms import CompanyForm, InviteForm, RoleForm, SiteForm
from kernel.forms import attach_errors


@member_required()
def company(request):
    client = request.client
    can_edit = request.membership.can("manage_company")
    form = CompanyForm(instance=client) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        # a copy: a ModelForm writes the typed values onto its instance, and a refused value
        # (a wrong VAT number) must not show as the stored legal identity beside the form
        form = CompanyForm(request.POST, instance=copy.copy(client))
        if form.is_valid():
            try:
                services.client_update(client=client, data=form.cleaned_data, actor=request.user)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Company details saved."))
                return redirect("accounts:company")
    return render(
        request, "accounts/company.html", {"client": client, "form": form, "can_edit": can_edit}
    )


@member_required()
def site_list(request):
    page = Paginator(selectors.site_list(client=request.client), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/site_list.html",
        {
            "page": page,
            "can_edit": request.membership.can("manage_company"),
        },
    )


@member_required("manage_company")
def site_edit(request, pk=None):
    site = get_object_or_404(selectors.site_list(client=request.client), pk=pk) if pk else None
    # a copy: a refused name must not become the page's title (the stored site's)
    form = SiteForm(request.POST or None, instance=copy.copy(site))
    if request.method == "POST" and form.is_valid():
        try:
            if site is None:
                services.site_create(
                    client=request.client, data=form.cleaned_data, actor=request.user
                )
            else:
                services.site_update(site=site, data=form.cleaned_data, actor=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Site saved."))
            return redirect("accounts:sites")
    return render(request, "accounts/site_form.html", {"form": form, "site": site})


@member_required()
def user_list(request):
    can_manage = request.membership.can("manage_users")
    form = InviteForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.member_invite_request(
                    client=request.client, invited_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                # ACC-2: the same answer whoever owns the address (no account enumeration).
                messages.success(
                    request,
                    _(
                        "Request sent for %(email)s. If this address can join your company, "
                        "its owner receives an invitation by e-mail; if it already has access "
                        "or is used elsewhere, its owner is told by e-mail."
                    )
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("accounts:users")
    page = Paginator(selectors.member_list(client=request.client), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "form": form,
            "can_manage": can_manage,
            "role_form": RoleForm(),
        },
    )


@require_POST
@member_required("manage_users")
def user_role(request, pk):
    membership = get_object_or_404(selectors.member_list(client=request.client), pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Role updated."))
    return redirect("accounts:users")


@member_required("manage_users")
def user_remove(request, pk):
    membership = get_object_or_404(selectors.member_list(client=request.client), pk=pk)
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(email)s no longer has access to the portal.")
                % {"email": membership.user.email},
            )
        return redirect("accounts:users")
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": _("Remove a user"),
            "question": _(
                "Remove %(email)s from the company? The account is deactivated and signed "
                "out everywhere."
            )
            % {"email": membership.user.email},
            "confirm_label": _("Remove"),
            "cancel_url": "accounts:users",
        },
    )


@member_required("manage_users")
def user_compromised(request, pk):
    """ACC-5 by the customer's admin for one of the company's users."""
    membership = get_object_or_404(selectors.member_list(client=request.client), pk=pk)
    if request.method == "POST":
        services.user_declare_compromised(user=membership.user, actor=request.user)
        messages.success(
            request,
            _("The password of %(email)s is invalidated; a reset link was sent.")
            % {"email": membership.user.email},
        )
        if membership.user == request.user:
            logout(request)
            return redirect("account_login")
        return redirect("accounts:users")
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": _("Declare a password compromised"),
            "question": _(
                "Invalidate the password of %(email)s? All their sessions end and a reset "
                "link is e-mailed to them."
            )
            % {"email": membership.user.email},
            "confirm_label": _("Invalidate the password"),
            "cancel_url": "accounts:users",
        },
    )


@member_required()
def security(request):
    """ACC-5 by the user for their own password; links to the second factor."""
    if request.method == "POST":
        services.user_declare_compromised(user=request.user, actor=request.user)
        logout(request)
        messages.success(
            request,
            _(
                "Your password is invalidated and you are signed out "
                "everywhere. Check your e-mail for a reset link."
            ),
        )
        return redirect("account_login")
    return render(request, "accounts/security.html")


@require_safe
def brand_logo(request):
    """ACC-3: the logo of the brand the page shows (the signed-in customer's partner, or the
    partner of the portal's host name, as the header), served by the portal: /media/ is served
    by DEBUG only. PNG or JPEG as its first bytes say, never sniffed; kept a day by the browser
    for the address of the current file (``?v=``), revalidated for any other. No logo: 404."""
    partner = brand_partner(request)[1]
    if partner is None or not partner.logo:
        raise Http404
    try:
        with partner.logo.open("rb") as stored:
            data = stored.read()
    except OSError as missing:
        raise Http404 from missing
    kind = logos.content_type(data)
    if kind is None:  # stored before PNG/JPEG were required: not served
        raise Http404
    response = HttpResponse(data, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    if request.GET.get("v") == logos.version(partner.logo):
        patch_cache_control(response, private=True, max_age=logos.LOGO_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response
