"""Fixtures shared by the usage tests."""

import pytest

from tests.usage import core_helpers as core


@pytest.fixture
def imported(monkeypatch, django_capture_on_commit_callbacks):
    """A real import whose ``after_rating`` task runs at once (as a worker would)."""
    from usage import money_tasks

    monkeypatch.setattr(
        money_tasks.after_rating,
        "delay",
        lambda batch_id, keys: money_tasks.after_rating(batch_id, keys),
    )

    def run(rows, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return core.run_import(rows, **kwargs)

    return run
