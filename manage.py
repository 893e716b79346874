#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcrp.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        _stop_embedded_services()


def _stop_embedded_services() -> None:
    """A one-off command (migrate, check, shell...) that had to start the embedded PostgreSQL or
    Redis stops them again; `run_stack` manages its own, and servers that were already running
    (say, under `make run`) are left alone."""
    from django.conf import settings

    if sys.argv[1:2] == ["run_stack"] or not settings.configured:
        return
    started = getattr(settings, "EMBEDDED", None)
    if started is not None:
        from bcrp import embedded

        embedded.stop_services(started)


if __name__ == "__main__":
    main()
