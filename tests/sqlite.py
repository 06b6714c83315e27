"""``make run``'s database in a test: ``manage.py`` run in a subprocess on a fresh SQLite file
with the development settings (the suite itself runs on PostgreSQL)."""

import os
import subprocess
import sys

from django.conf import settings


def sqlite_manage(tmp_path):
    """A ``manage(*args) -> stdout`` running ``manage.py`` on SQLite in ``tmp_path``; a command
    that fails fails the test with its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        return result.stdout

    return manage
