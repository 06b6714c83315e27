"""The staff console keeps no models yet."""
