import pytest


@pytest.fixture(autouse=True)
def _telephony_catalogue(request, _catalogue):
    """Pack table and destination groups back after a transactional test's flush."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or (request.node.get_closest_marker("django_db") is not None)
    ):
        from tests.telephony.factories import seed_catalogue

        seed_catalogue()


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False
