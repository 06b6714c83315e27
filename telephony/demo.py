"""Demo data of this app (called by `manage.py load_demo`)."""


def load() -> str:
    return "nothing yet"
