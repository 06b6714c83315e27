"""The portal's message storage: Django's (a signed cookie, the session for what does not fit),
except that a message tagged ``secret`` — a new API key shown once — never travels in the
cookie, which is signed but not encrypted (readable by anyone who sees the browser's cookies or
a proxy's log of them): it and the messages with it are kept in the session, the cookie only
saying « more in the session ». Other messages stay in the cookie (no session write)."""

from django.contrib.messages.storage.fallback import FallbackStorage

SECRET_TAG = "secret"


def _is_secret(message) -> bool:
    return SECRET_TAG in (message.extra_tags or "").split()


class MessageStorage(FallbackStorage):
    def _get(self, *args, **kwargs):
        messages, all_retrieved = super()._get(*args, **kwargs)
        cookie = self.storages[0]
        if cookie.cookie_name in self.request.COOKIES:
            self._used_storages.add(cookie)  # a cookie of the sentinel alone is cleared too
        return messages, all_retrieved

    def _store(self, messages, response, *args, **kwargs):
        if not any(_is_secret(message) for message in messages):
            return super()._store(messages, response, *args, **kwargs)
        cookie, session = self.storages
        cookie._update_cookie(
            cookie._encode_parts([cookie.not_finished_json], encode_empty=True), response
        )
        self._used_storages.update((cookie, session))
        return session._store(messages, response)
