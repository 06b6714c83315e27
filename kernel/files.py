"""Files stored during a write that fails: the database rolls back, the storage does not. A
service that stores files wraps its write in ``files_undone_on_error`` (a context manager or a
decorator, inside its transaction) and calls ``file_stored`` after each save: when the write
raises, the files it stored are deleted — none is left without its row (personal data nobody
could list, show or purge). The outermost block cleans up, once."""

import logging
import posixpath
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


def original_name(upload, default: str = "file", limit: int = 255) -> str:
    """The name a customer's file is kept and downloaded under: its last path part (a browser
    may send ``C:\\Users\\…\\releve.pdf``), at most ``limit`` characters (the column) —
    shortened *before* its extension, which the download needs (a 300-character « ….pdf » was
    cut to 255 characters without its « .pdf »)."""
    name = (getattr(upload, "name", "") or default).replace("\\", "/").rsplit("/", 1)[-1]
    name = name or default
    if len(name) <= limit:
        return name
    stem, extension = posixpath.splitext(name)
    if not stem or len(extension) > 16:  # no real extension to keep
        return name[:limit]
    return stem[: limit - len(extension)] + extension
