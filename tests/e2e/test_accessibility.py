"""Issue 17, "Sign-in, phones, accessibility" (Done-when 2): every portal page passes axe-core
with no serious or critical violation.

A customer of each role (ACC-2: admin, billing, technical) and the administrator of a
partner-billed customer (ACC-3: the partner's brand colours) sign in and walk every link of the
navigation, of each page's sub-navigation, and the pages one level down that the lists link to
(a contract, an invoice, a ticket, a trunk, a SIP account, a dispute, a port request, the
availability of a contract, the forms behind the lists' buttons…), one page per URL pattern;
axe-core (axe-playwright-python, which bundles axe.js) runs on each. The sign-in, password
reset and second-factor pages are checked too, and the skip link and the keyboard focus ring.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.crawl import blocking_violations, walk
from tests.e2e.pages import screenshot, sign_in

ROLES = {
    "admin": "admin@martin-avocats.example",
    "billing": "compta@martin-avocats.example",
    "technical": "technique@martin-avocats.example",
    "partner-billed admin": "admin@clinique-alpes.example",
}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_portal_page_has_no_serious_violation(page, live_server, demo_data, role):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, ROLES[role])
    violations, visited, empty_headers = [], [], []
    for path in walk(page, live_server):
        visited.append(path)
        violations += blocking_violations(page)
        # Item 11: action columns are named (a visually hidden "Actions"), never empty.
        if page.locator("th").evaluate_all("ths => ths.some(th => !th.textContent.trim())"):
            empty_headers.append(path)
    # The navigation and the pages one level down: a contract, an invoice, a ticket...
    assert "/contracts/" in visited and "/support/" in visited
    details = {re.sub(r"\d+", "N", p) for p in visited}
    assert "/contracts/N/" in details
    if role in ("admin", "billing"):
        assert "/invoices/N/" in details
    if role in ("admin", "technical"):
        assert {"/telephony/trunks/N/", "/support/N/"} <= details
    print(f"{role}: {len(visited)} pages", sorted(details))
    assert len(visited) >= 15, visited
    assert violations == [], "\n".join(violations)
    assert empty_headers == []
    assert errors == []


def test_sign_in_reset_and_second_factor_pages(page, live_server, demo_data):
    violations = []
    for path in ("/accounts/login/", "/accounts/password/reset/"):
        page.goto(f"{live_server.url}{path}")
        violations += blocking_violations(page)
    sign_in(page, live_server, ROLES["admin"])
    for path in ("/accounts/2fa/", "/accounts/2fa/totp/activate/", "/accounts/reauthenticate/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main .card h1")).to_be_visible()
        violations += blocking_violations(page)
    assert violations == [], "\n".join(violations)


def test_second_factor_stage_of_the_sign_in(page, live_server, demo_data):
    """A user with an authenticator app: after the password, the code page in the portal's card,
    with the portal's buttons and no serious violation; the code signs the user in."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from tests.console.conftest import current_totp

    secret = generate_totp_secret()
    TOTP.activate(User.objects.get(email=ROLES["admin"]), secret)
    sign_in(page, live_server, ROLES["admin"], expect_home=False)
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    card = page.locator("main .auth-card")
    expect(card.locator("h1")).to_have_text("Authentification à deux facteurs")
    expect(card.locator("button.btn[type=submit]").first).to_be_visible()
    assert blocking_violations(page) == []
    card.locator("input[name=code]").fill(current_totp(secret))
    card.locator("button.btn[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_skip_link_and_visible_focus(page, live_server, demo_data):
    sign_in(page, live_server, ROLES["admin"])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Aller au contenu")
    box = skip.bounding_box()
    assert box and box["y"] >= 0  # shown when focused (it sits above the page otherwise)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab reaches the page's first link, with a visible focus ring.
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const el = document.activeElement, s = getComputedStyle(el);"
        " return [el.closest('main') !== null, s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] is True
    assert outline[1] != "none" and outline[2] != "0px", outline


@pytest.mark.parametrize("width", [1280, 390])
def test_role_drop_down_shows_the_role(browser, live_server, demo_data, width):
    """Item 5: on /company/users/ the role drop-down was squeezed to an empty box."""
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server, ROLES["admin"])
    page.goto(f"{live_server.url}/company/users/")
    selects = page.locator("select.role-select")
    expect(selects.first).to_be_visible()
    widths = selects.first.evaluate(
        """s => {
            const span = document.createElement("span");
            span.style.font = getComputedStyle(s).font;
            span.style.whiteSpace = "nowrap";
            span.style.position = "absolute";
            span.textContent = Array.from(s.options).map(o => o.text)
                .reduce((a, b) => (a.length >= b.length ? a : b));
            document.body.append(span);
            const text = span.getBoundingClientRect().width;
            span.remove();
            return [s.getBoundingClientRect().width, text];
        }"""
    )
    assert widths[0] >= widths[1] + 16, widths  # the longest role and the arrow fit
    assert blocking_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_refused_form_focuses_its_first_error(browser, live_server, demo_data, width):
    """A ticket sent without subject nor text: the page comes back with the subject focused,
    described by its error (« Ce champ est obligatoire. »), and no serious violation."""
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server, ROLES["admin"])
    page.goto(f"{live_server.url}/support/new/")
    page.locator("[data-testid='ticket-form'] button[type=submit]").click()
    page.wait_for_load_state("load")
    focused = page.evaluate(
        """() => { const el = document.activeElement;
            const refs = (el.getAttribute('aria-describedby') || '').split(' ');
            return [el.name, el.getAttribute('aria-invalid'),
                    refs.map(id => document.getElementById(id)?.textContent.trim() || '')]; }"""
    )
    assert focused[:2] == ["subject", "true"], focused
    assert "Ce champ est obligatoire." in focused[2], focused
    screenshot(page, f"accessibility/refused-ticket-{width}.png")
    assert blocking_violations(page) == []
    context.close()
