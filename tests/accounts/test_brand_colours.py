"""ACC-3 — a partner's primary colour is the background of the portal's top bar and buttons
(white text on it) and the colour of its links on white: the back office refused nothing, so a
pale yellow (#ffeb3b, contrast 1.2:1 with white) made « Se déconnecter », every button and every
link unreadable for the partner's customers. WCAG 2.1 1.4.3 (AA): at least 4.5:1."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.brand_colours import contrast_ratio
from tests.accounts.test_logo import _partner_form
from tests.accounts.test_views import _staff_with_mfa


def test_contrast_ratios_as_wcag_computes_them():
    # Black on white: (1 + 0.05) / (0 + 0.05) = 21; a colour with itself: 1.
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#0b5cad", "#0b5cad") == pytest.approx(1)
    # #767676 is the lightest grey that keeps 4.5:1 on white (4.54); #777777 gives 4.48.
    assert round(Decimal(contrast_ratio("#767676", "#ffffff")), 2) == Decimal("4.54")
    assert round(Decimal(contrast_ratio("#777777", "#ffffff")), 2) == Decimal("4.48")


def _save(client, partner, colour):
    _staff_with_mfa(client)
    data = {**_partner_form(partner, ""), "primary_color": colour}
    data.pop("logo")
    url = reverse("admin:accounts_partner_change", args=[partner.pk])
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")


def test_back_office_refuses_a_primary_colour_too_light_for_white_text(client, partner):
    before = partner.primary_color
    response = _save(client, partner, "#ffeb3b")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cette couleur est trop claire" in page
    assert "contraste 1,2:1 avec le blanc" in page and "au moins 4,5:1" in page
    partner.refresh_from_db()
    assert partner.primary_color == before


@pytest.mark.parametrize("colour", ["#767676", "#0b5cad", "#6a1b9a", "#00695c"])
def test_back_office_keeps_a_dark_enough_primary_colour(client, partner, colour):
    response = _save(client, partner, colour)
    assert response.status_code == 302, response.content.decode()[:2000]
    partner.refresh_from_db()
    assert partner.primary_color == colour
