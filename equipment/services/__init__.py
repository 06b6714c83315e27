"""Every write of equipment, one module per use-case family:

- ``catalogue``: models and their price history (EQP-1).
- ``items``: items received into stock and every dated move of their pipeline (EQP-1).
- ``orders``: sales and rentals from the order form, customers' requests (EQP-2, EQP-3).
- ``rentals``: ending a rental with the offers machinery (EQP-3).
- ``rma``: defects reported, approved or refused, replacements shipped (EQP-4).
- ``returns``: returns, non-returns and staff's decisions, the daily job (EQP-5, EQP-6).
"""
