"""Factories shared by every app's tests (factory_boy). Valid French identifiers are computed
with python-stdnum so that each customer gets its own SIREN/SIRET/VAT number."""

import factory
from stdnum import luhn

from accounts.choices import Role
from accounts.models import ApiKey, Client, Membership, Partner, Site, User

PASSWORD = "correct-horse-battery-42"


def siren_for(n: int) -> str:
    base = f"{70000000 + n:08d}"
    return base + luhn.calc_check_digit(base)


def siret_for(siren: str) -> str:
    for establishment in range(10, 100):
        candidate = f"{siren}000{establishment}"
        if luhn.is_valid(candidate):
            return candidate
    raise AssertionError("no SIRET key found")


def vat_for(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    support_email = factory.Sequence(lambda n: f"support{n}@partner.example")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} SAS")
    siren = factory.Sequence(lambda n: siren_for(50000 + n))
    vat_number = factory.LazyAttribute(lambda o: vat_for(o.siren))
    address_line1 = "10 rue des Partenaires"
    postal_code = "69003"
    city = "Lyon"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    legal_name = factory.Sequence(lambda n: f"Company {n} SAS")
    siren = factory.Sequence(siren_for)
    siret = factory.LazyAttribute(lambda o: siret_for(o.siren))
    vat_number = factory.LazyAttribute(lambda o: vat_for(o.siren))
    address_line1 = "1 rue de la Paix"
    postal_code = "75002"
    city = "Paris"
    invoice_recipients = factory.LazyAttribute(lambda o: [f"billing@{o.siren}.example"])


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address_line1 = "2 rue du Port"
    postal_code = "13002"
    city = "Marseille"
    insee_code = "13202"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    role = Role.ADMIN


def make_api_key(partner: Partner, *, read_only: bool = False) -> tuple[ApiKey, str]:
    from accounts.services import api_key_create

    return api_key_create(partner=partner, name="test key", read_only=read_only)


def sign_in_staff(client):
    """A superuser of the back office, with the second factor staff pages ask for, signed in on
    the test ``client``; returns the user."""
    from allauth.mfa.models import Authenticator

    staff = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    return staff


def clear_own_cache():
    """``cache.clear()`` for this test process only: Redis's FLUSHDB would also wipe the keys of
    the other process (xdist worker) that shares the database — its throttling counts mid-test.
    Each process's keys carry its own prefix (``portal.settings.test``)."""
    from django.core.cache import cache

    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
