"""The shared kernel: what every app uses, defined once, at the bottom of the layers.

- ``kernel.errors``: the one state-transition error (HTTP 409 in the API, a form message in the
  portal and the back office);
- ``kernel.money``: the one rounding helper (half-up to the cent) and price precision;
- ``kernel.forms``: a service's validation error shown on a form;
- ``kernel.admin``: the base of the back-office admins whose rows only services write, and the
  action helpers every app's back office shares.

The kernel imports no app of the project.
"""
