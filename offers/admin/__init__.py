"""Back office of the offers domain, one module per model family:

- ``catalogue``: terms, products and offers (CON-1), edited directly by staff (audited, ACC-4).
- ``contracts``: contracts, their lines and history; every status change is an action that
  calls a service (CON-2..8, ACC-6).
- ``terminations``: terminations and their fee breakdown (CON-4, CON-5).
- ``suspensions``: contract suspensions (CON-8).
- ``price_changes``: scheduled price changes (CON-6).
- ``forms``: the forms whose valid submission calls a service.

Importing this package registers every admin (Django's autodiscovery). ``SuspendForm`` is
re-exported for telephony's back office (the same reasons as contracts, CON-8).
"""

from offers.admin.catalogue import OfferAdmin, ProductAdmin, TermsAdmin
from offers.admin.contracts import ContractAdmin
from offers.admin.forms import SuspendForm
from offers.admin.price_changes import PriceChangeAdmin
from offers.admin.suspensions import SuspensionAdmin
from offers.admin.terminations import TerminationAdmin

__all__ = [
    "ContractAdmin",
    "OfferAdmin",
    "PriceChangeAdmin",
    "ProductAdmin",
    "SuspendForm",
    "SuspensionAdmin",
    "TermsAdmin",
    "TerminationAdmin",
]
