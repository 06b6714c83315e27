"""Back office of support: the ticket queue (SLA-1, SLA-3), outages and their announcements
(SLA-5), availability reports and credit decisions (SLA-8, SLA-10), the abusive-ticket penalty
(SLA-11), the liability cap and goodwill credits (SLA-12).

Statuses, times and amounts are never fields here: they change only through
``support.services``, called by the actions (each with its confirmation page).

- ``tickets``: the queue, opening a ticket for a customer, and the ticket actions;
- ``attachments``: the files of ticket messages, read-only;
- ``outages``: recording, ending, excusing and announcing outages;
- ``reports``: the monthly availability reports and the credit decisions;
- ``liability``: the liability cap as the back office shows it, goodwill credits and the
  action that grants them from a ticket or an outage.

Importing the modules registers their admins (Django's autodiscovery imports this package).
"""

from support.admin import attachments, liability, outages, reports, tickets

__all__ = ["attachments", "liability", "outages", "reports", "tickets"]
