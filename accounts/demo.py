"""Demo data of the accounts domain: the reseller's staff, two partners, five customers and
their users. Idempotent: run it any number of times, it leaves one copy of everything."""

from django.db import transaction

from accounts.choices import BillingMode, PaymentMethod, Role, VatRegime
from accounts.models import ApiKey, Client, Membership, Partner, Site, User
from accounts.scopes import FULL_ACCESS
from kernel.queues import TEAM_GROUPS, Team

DEMO_PASSWORD = "demo-portal-2026"
STAFF_PASSWORD = "staff-portal-2026"
# The demo staff's second factor (ACC-4): add this key to an authenticator app, or print the
# current code with `oathtool --totp -b <key>`. Demo data only: real staff activate their own.
DEMO_STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# One member of staff per console team (issue 17), besides the superuser.
DEMO_TEAM_STAFF = [
    ("support@azur-telecom.example", "Samir", "Support", Team.SUPPORT),
    ("facturation@azur-telecom.example", "Béatrice", "Facturation", Team.BILLING),
]

PARTNERS = [
    {
        "name": "Nova Connect",
        "primary_color": "#6a1b9a",
        "secondary_color": "#00bfa5",
        "support_email": "support@nova-connect.example",
        "host_name": "nova.localhost",
        "billing_mode": BillingMode.PARTNER_BILLED,
        "legal_name": "Nova Connect SAS",
        "siren": "901234567",
        "vat_number": "FR15901234567",
        "address_line1": "30 cours Lafayette",
        "postal_code": "69003",
        "city": "Lyon",
        "wholesale_discount_percent": "15.00",
        "api_key": ("demonova", "demonova.nova-connect-demo-key-not-for-production"),
    },
    {
        "name": "Telcoweb Solutions",
        "primary_color": "#00695c",
        "secondary_color": "#ffb300",
        "support_email": "support@telcoweb.example",
        "host_name": "telcoweb.localhost",
        "billing_mode": BillingMode.RESELLER_BILLED,
        "wholesale_discount_percent": "0.00",
        "api_key": ("demotelc", "demotelc.telcoweb-demo-key-not-for-production"),
    },
]

CUSTOMERS = [
    {
        "legal_name": "Cabinet Martin Avocats",
        "siren": "812345676",
        "siret": "81234567600017",
        "vat_number": "FR19812345676",
        "address_line1": "4 place Bellecour",
        "postal_code": "69002",
        "city": "Lyon",
        "partner": None,
        "domain": "martin-avocats.example",
        "site": ("Siège Lyon", "4 place Bellecour", "69002", "Lyon", "69382"),
    },
    {
        "legal_name": "Boulangeries Durand SARL",
        "siren": "823456785",
        "siret": "82345678500018",
        "vat_number": "FR72823456785",
        "address_line1": "17 rue Paradis",
        "postal_code": "13001",
        "city": "Marseille",
        "partner": None,
        "domain": "durand.example",
        "payment_method": PaymentMethod.PREPAID,
        "site": ("Atelier Marseille", "17 rue Paradis", "13001", "Marseille", "13201"),
    },
    {
        "legal_name": "Clinique des Alpes SAS",
        "siren": "834567893",
        "siret": "83456789300013",
        "vat_number": "FR25834567893",
        "address_line1": "2 avenue Alsace-Lorraine",
        "postal_code": "38000",
        "city": "Grenoble",
        "partner": "Nova Connect",
        "domain": "clinique-alpes.example",
        "site": ("Clinique", "2 avenue Alsace-Lorraine", "38000", "Grenoble", "38185"),
    },
    {
        "legal_name": "Transports Rivière",
        "siren": "845678903",
        "siret": "84567890300012",
        "vat_number": "FR72845678903",
        "address_line1": "1 quai de la Fosse",
        "postal_code": "44000",
        "city": "Nantes",
        "partner": "Nova Connect",
        "domain": "riviere.example",
        "site": ("Dépôt Nantes", "1 quai de la Fosse", "44000", "Nantes", "44109"),
    },
    {
        "legal_name": "Hôtel Bellevue Saint-Denis",
        "siren": "856789011",
        "siret": "85678901100017",
        "vat_number": "FR32856789011",
        "address_line1": "20 rue de Paris",
        "postal_code": "97400",
        "city": "Saint-Denis",
        "partner": "Telcoweb Solutions",
        "domain": "bellevue.example",
        "vat_regime": VatRegime.OVERSEAS,
        "site": ("Hôtel", "20 rue de Paris", "97400", "Saint-Denis", "97411"),
    },
]

# Users of the first customer, one per role; the other customers get an administrator.
ROLE_LOCAL_PARTS = {
    Role.ADMIN: "admin",
    Role.BILLING: "compta",
    Role.TECHNICAL: "technique",
    Role.READ_ONLY: "lecture",
}
PEOPLE = [
    ("Claire", "Martin"),
    ("Julien", "Moreau"),
    ("Nadia", "Benali"),
    ("Thomas", "Petit"),
    ("Élodie", "Garnier"),
    ("Marc", "Lefèbvre"),
    ("Inès", "Roux"),
    ("Paul", "Fontaine"),
]


@transaction.atomic
def load() -> str:
    """Create or refresh the accounts demo data; returns a one-line summary."""
    staff, _ = User.objects.update_or_create(
        email="staff@azur-telecom.example",
        defaults={
            "first_name": "Sophie",
            "last_name": "Support",
            "is_staff": True,
            "is_superuser": True,
            "is_active": True,
        },
    )
    staff.set_password(STAFF_PASSWORD)
    staff.save()

    partners = {}
    for spec in PARTNERS:
        spec = dict(spec)
        prefix, raw = spec.pop("api_key")
        partner, _ = Partner.objects.update_or_create(name=spec["name"], defaults=spec)
        partners[partner.name] = partner
        ApiKey.objects.update_or_create(
            prefix=prefix,
            defaults={
                "partner": partner,
                "name": "Demo key",
                "hashed_key": ApiKey.hash(raw),
                "revoked_at": None,
                "expires_at": None,
                # The demo key does everything, managing the partner's keys included (ACC-3).
                "scopes": FULL_ACCESS,
                "allowed_ips": [],
            },
        )

    people = iter(PEOPLE)
    for index, spec in enumerate(CUSTOMERS):
        spec = dict(spec)
        domain = spec.pop("domain")
        site_name, line1, postal, city, insee = spec.pop("site")
        spec["partner"] = partners.get(spec["partner"])
        spec["invoice_recipients"] = [f"factures@{domain}"]
        client, _ = Client.objects.update_or_create(siren=spec["siren"], defaults=spec)
        client.full_clean()
        Site.objects.update_or_create(
            client=client,
            name=site_name,
            defaults={
                "address_line1": line1,
                "postal_code": postal,
                "city": city,
                "insee_code": insee,
            },
        )
        roles = list(ROLE_LOCAL_PARTS) if index == 0 else [Role.ADMIN]
        for role in roles:
            first_name, last_name = next(people)
            user, _ = User.objects.update_or_create(
                email=f"{ROLE_LOCAL_PARTS[role]}@{domain}",
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "is_active": True,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            _verify_email(user)
            Membership.objects.update_or_create(
                user=user, defaults={"client": client, "role": role}
            )
    for member in [staff, *_team_staff()]:
        _verify_email(member)
        _demo_second_factor(member)
    return (
        f"{Partner.objects.count()} partners, {Client.objects.count()} customers, "
        f"{User.objects.count()} users (customer password: {DEMO_PASSWORD})"
    )


def _verify_email(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _team_staff() -> list[User]:
    """A member of staff per console team, in the team's group (created by the console's
    migration), so that `make run` shows each team its own queues."""
    from django.contrib.auth.models import Group

    members = []
    for email, first_name, last_name, team in DEMO_TEAM_STAFF:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": True,
                "is_superuser": False,
                "is_active": True,
            },
        )
        user.set_password(STAFF_PASSWORD)
        user.save()
        group, _ = Group.objects.get_or_create(name=TEAM_GROUPS[team])
        user.groups.set([group])
        members.append(user)
    return members


def _demo_second_factor(user: User) -> None:
    """ACC-4: staff sign in with a second factor; the demo's is a known key (see above)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)
