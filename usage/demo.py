"""Demo data of this app (make run)."""


def load():
    return "no demo data yet"
