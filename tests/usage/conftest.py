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


@pytest.fixture
def staff(client):
    """A test client signed in as a superuser of the back office (with a TOTP device, as the
    back office requires)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import User

    user = User.objects.create_user(
        email="ops@reseller.example", password="x-Long-Pass-123", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return client
