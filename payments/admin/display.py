"""What the back office of payments shows the same way on every page: the customers offered
by its forms (amounts: ``kernel.money.money``)."""

from accounts.models import Client


def customers():
    return Client.objects.order_by("legal_name")
