"""What the back office of payments shows the same way on every page: amounts in euros, and
the customers offered by its forms."""

from django.utils.formats import number_format

from accounts.models import Client


def euros(amount) -> str:
    return f"{number_format(amount, 2, force_grouping=True)} €" if amount is not None else "—"


def customers():
    return Client.objects.order_by("legal_name")
