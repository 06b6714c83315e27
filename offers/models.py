"""Catalogue and contracts (issue 3)."""
