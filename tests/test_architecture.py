"""The shape of the code, as tests: layers, no import cycle inside an app, short modules, and
one place where the API scopes every queryset to the calling partner."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.api.viewsets import PartnerScopedViewSetMixin

ROOT = Path(settings.BASE_DIR)
APPS = ["kernel", "accounts", "offers", "billing", "payments", "telephony", "support"]
APPS += [
    a
    for a in ("equipment", "numbering", "usage", "webhooks", "console", "portal")
    if (ROOT / a).is_dir()
]
MAX_MODULE_LINES = 600
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_layers_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_backwards_import_breaks_the_contract(tmp_path):
    """The contract cannot pass by accident: the same code with one import pointing up (the
    kernel importing billing) is reported broken."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    money = tmp_path / "kernel" / "money.py"
    money.write_text(money.read_text() + "\nimport billing.models  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout.upper() and "kernel.money -> billing.models" in result.stdout


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child) & modules
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_inside_an_app():
    """Imports inside functions count too: a cycle is not hidden by a late import."""
    graph = grimp.build_graph(*APPS, cache_dir=None)
    cycles = {app: _cycles(graph, {m for m in graph.find_descendants(app)} | {app}) for app in APPS}
    assert {app: c for app, c in cycles.items() if c} == {}


def test_no_app_module_is_longer_than_600_lines():
    too_long = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}


def _api_views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None:
                yield prefix + str(pattern.pattern), view


# Views of the API that serve no partner's data, each with its reason.
NOT_PARTNER_DATA = {
    "OfferViewSet": "the reseller's catalogue, the same for every partner",
    "SpectacularAPIView": "the OpenAPI schema",
    "SpectacularSwaggerView": "the API documentation page",
    "APIRootView": "the router's index of links",
    "EventTypeViewSet": "the catalogue of webhook event types, the same for every partner",
}


def test_every_api_view_is_scoped_by_the_one_base():
    """ACC-3: every viewset of /api/v1/ inherits the partner-scoped base and keeps its
    ``get_queryset`` (a viewset with two possible owners narrows ``scope`` instead)."""
    api = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "api"
    )
    views = dict(_api_views(api))
    assert len(views) > 20
    unscoped, overridden = [], []
    for route, view in views.items():
        if view.__name__ in NOT_PARTNER_DATA:
            continue
        if not issubclass(view, PartnerScopedViewSetMixin):
            unscoped.append(f"{route}: {view.__name__}")
        elif view.get_queryset is not PartnerScopedViewSetMixin.get_queryset:
            overridden.append(f"{route}: {view.__name__}")
    assert unscoped == [] and overridden == []
