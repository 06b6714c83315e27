"""Walking the portal in a browser as a customer would (issue 17): every link of the
navigation, of each page's sub-navigation, and the pages one level down that the lists link to,
one page per URL pattern; and axe-core's verdict on a page (axe-playwright-python bundles
axe.js: nothing is downloaded)."""

import re
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}
# Links a walk must not follow: signing out, files, the API and its documentation.
SKIP = re.compile(
    r"^/(accounts/logout|api/|static/|media/|backoffice/|console/)|/pdf/$|/download/|\.\w{2,4}$"
)

_axe = Axe()


def blocking_violations(page):
    """axe-core's serious and critical violations of the page, as readable lines."""
    results = _axe.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _pattern(path):
    return re.sub(r"\d+", "N", path)


def _links(page, selector):
    hrefs = page.eval_on_selector_all(
        f"{selector}:not([download])", "els => els.map(e => e.getAttribute('href'))"
    )
    paths = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "http")):
            continue
        path = urlsplit(href).path
        if path.startswith("/") and not SKIP.search(path):
            paths.append(path)
    return paths


def walk(page, live_server):
    """Every page of the navigation, its sub-navigations, and one page per pattern one level
    down; yields each path after loading it."""
    nav = list(dict.fromkeys(_links(page, "nav.mainnav a")))
    prefixes = tuple(p for p in nav if p != "/") + ("/security/", "/accounts/")
    queue, seen = list(nav), set()
    patterns = set()
    level = {path: 0 for path in queue}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path} answered {response.status}"
        yield path
        if level[path] > 0:
            continue
        found = [(link, 0) for link in _links(page, "nav.subnav a")]
        found += [(link, 1) for link in _links(page, "main a") if link.startswith(prefixes)]
        for link, depth in found:
            if link in level or (depth and _pattern(link) in patterns):
                continue
            patterns.add(_pattern(link))
            level[link] = depth
            queue.append(link)
