"""The API's JSON renderer: DRF's, plus list pages whose rows PostgreSQL already wrote.

``kernel.sql_lists`` returns a page's rows as JSON (``RawJSON``, UTF-8 bytes); the paginated
body keeps DRF's shape (``count``, ``next``, ``previous``, then ``results``), the rows spliced
in as they are instead of being parsed and written again."""

from rest_framework import renderers

from kernel.sql_lists import RawJSON


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and data and isinstance(list(data.values())[-1], RawJSON):
            *head, last = data
            body = super().render(
                {key: data[key] for key in head}, accepted_media_type, renderer_context
            )
            rows = self.ensure_bytes(data[last])
            key = super().render(last, accepted_media_type, renderer_context)
            separator = b"," if head else b""
            return body[:-1] + separator + key + b":" + rows + b"}"
        return super().render(data, accepted_media_type, renderer_context)

    @staticmethod
    def ensure_bytes(text: bytes | str) -> bytes:
        return text if isinstance(text, bytes) else text.encode("utf-8")
