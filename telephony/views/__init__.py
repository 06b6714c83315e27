"""Customer portal pages of SIP trunks and SIP accounts (TRK-1..6, ACC-7, CON-8), one module per
family (``telephony.urls`` routes to them):

- ``index``: the customer's trunks and SIP accounts;
- ``trunks``: a trunk's page, its live channel quote and the change of its channels (TRK-3,
  TRK-4), with ``change_preview`` (what a new total means);
- ``channel_orders``: an order, its payment and its cancellation (TRK-3);
- ``channel_decreases``: the cancellation of a pending decrease (TRK-4);
- ``credentials``: a new secret for a trunk or a SIP account, shown once (ACC-7);
- ``destinations``: destination blocking of a trunk or a SIP account (TRK-6);
- ``sip_accounts``: a SIP account's page and the removal of one of its devices (ACC-7, CON-8).

Every object is read through ``telephony.selectors`` from the signed-in member's customer:
another customer's trunk, order, decrease or SIP account is a 404 on GET and POST. Every member
may look; changing channels, paying an order, credentials, destinations and devices need the
``technical`` permission (the admin and technical roles, ACC-2): a POST without it is a 403.

TRK-3 live quote: the trunk page's number input asks ``trunk_quote`` (an HTML fragment) as the
number changes (``static/js/channel_quote.js``); without JavaScript the form posts to
``trunk_change``, which shows the same quote with a confirm button.

ACC-7: a new secret is shown once, in the response to the POST that issues it, and never again
(the page is ``no-store``; a GET of the same address only offers the action).
"""
