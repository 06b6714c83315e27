"""Content negotiation of the partner API: JSON only.

The API has no browsable HTML rendering: it authenticates by API key only (a browser cannot send
one), and an HTML page would render filter forms listing rows. ``Accept: text/html`` alone, or a
``?format=`` the API does not speak (``api``…), is a clean 406 with the error envelope (DRF's
default answers an unknown ``?format=`` with 404)."""

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnlyNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        renderers = [renderer for renderer in renderers if renderer.format == format]
        if not renderers:
            raise exceptions.NotAcceptable()
        return renderers
