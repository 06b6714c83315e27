"""ACC-3: a partner's customer sees its partner's logo in the portal's header, served by the
portal itself with DEBUG off (the live server serves no /media/)."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from accounts.models import Client
from tests.e2e.pages import screenshot, sign_in

PARTNER_CUSTOMER = "admin@clinique-alpes.example"


def _logo_png():
    image = Image.new("RGB", (160, 48), "#0b5cad")
    ImageDraw.Draw(image).rectangle((8, 8, 40, 40), fill="#f2a900")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_partner_customer_header_shows_logo(page, live_server, demo_data):
    partner = Client.objects.get(memberships__user__email=PARTNER_CUSTOMER).partner
    partner.logo = SimpleUploadedFile("logo.png", _logo_png())
    partner.save()

    sign_in(page, live_server, PARTNER_CUSTOMER)
    logo = page.locator("header.topbar img.brand-logo")
    expect(logo).to_be_visible()
    expect(logo).to_have_attribute("src", re.compile(r"^/brand/logo/\?v=\w+$"))
    assert page.evaluate("document.querySelector('img.brand-logo').naturalWidth") == 160
    screenshot(page, "partner_logo_header.png")
