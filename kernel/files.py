"""Files stored during a write that fails: the database rolls back, the storage does not. A
service that stores files wraps its write in ``files_undone_on_error`` (a context manager or a
decorator, inside its transaction) and calls ``file_stored`` after each save: when the write
raises, the files it stored are deleted — none is left without its row (personal data nobody
could list, show or purge). The outermost block cleans up, once."""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

_stored: ContextVar[list | None] = ContextVar("files_stored", default=None)


def file_stored(fieldfile) -> None:
    """Remember a file just saved, to delete it if the enclosing write fails."""
    names = _stored.get()
    if names is not None and fieldfile.name:
        names.append((fieldfile.storage, fieldfile.name))


@contextmanager
def files_undone_on_error():
    if _stored.get() is not None:  # inside another: the outermost one cleans up
        yield
        return
    names: list = []
    token = _stored.set(names)
    try:
        yield
    except BaseException:
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:  # the write's own error matters more
                log.exception("stored file %s not deleted after a failed write", name)
        raise
    finally:
        _stored.reset(token)
