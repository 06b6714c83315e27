"""The partner API's routes answer with or without their trailing slash.

Without this, ``POST /api/v1/tickets`` met Django's ``APPEND_SLASH``: a 500 under ``DEBUG`` (it
cannot redirect a POST) and otherwise a 301 to an HTML page, which a client follows as a GET (the
ticket is not created, and the client reads a list). ``slash_optional`` adds, after the routes,
each route that ends with a slash without it, to the same view. The route with the slash
stays the only one named (``reverse`` gives it, links and ``Location`` keep it) and the only one
in the OpenAPI document: the copy's view says ``schema=None``, as DRF's generators read it.
"""

from django.urls import URLPattern, URLResolver, path, re_path
from django.urls.resolvers import RegexPattern, RoutePattern


def slash_optional(patterns: list) -> list:
    """``patterns``, then each of their routes that ends with a slash without it (the routes of
    included modules too), in the same order. A path without its slash never matches a route
    with one and conversely: the copies change no existing match, and a path with its slash
    is resolved before any copy is tried."""
    return [*patterns, *_copies(patterns)]


def _copies(patterns: list) -> list:
    copies = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            copies.append(
                URLResolver(
                    pattern.pattern,
                    _copies(pattern.url_patterns),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        elif (copy := _without_slash(pattern)) is not None:
            copies.append(copy)
    return copies


def _without_slash(pattern: URLPattern) -> URLPattern | None:
    view = _unlisted(pattern.callback)
    if isinstance(pattern.pattern, RoutePattern) and pattern.pattern._route.endswith("/"):
        return path(pattern.pattern._route[:-1], view, pattern.default_args)
    if isinstance(pattern.pattern, RegexPattern) and pattern.pattern._regex.endswith("/$"):
        return re_path(pattern.pattern._regex[:-2] + "$", view, pattern.default_args)
    return None


def _unlisted(callback):
    """The same DRF view, left out of the OpenAPI document (another view is never listed)."""
    if not hasattr(callback, "cls"):
        return callback
    cls, initkwargs = callback.cls, {**callback.initkwargs, "schema": None}
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset's route: the same actions
        return cls.as_view(actions, **initkwargs)
    return cls.as_view(**initkwargs)
