import pytest

from tests.equipment.factories import ensure_rental_offers


@pytest.fixture(autouse=True)
def _rental_offers(_catalogue, request):
    """EQP-3's offers come from equipment's data migration 0002: back after a flush."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        ensure_rental_offers()
