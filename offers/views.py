"""Customer portal pages of contracts (CON-2, CON-4)."""
