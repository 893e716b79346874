#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from bcrp import embedded

    try:
        embedded.ensure_services()
        from django.core.management import execute_from_command_line

        import config.celery  # noqa: F401 - tasks a command sends go through the project's app

        execute_from_command_line(sys.argv)
    finally:
        # Whatever embedded PostgreSQL or Redis this command had to start is stopped on the way
        # out, even when the command failed; servers that were already running (say, under
        # `make run`) are left alone.
        embedded.stop_services(embedded.STARTED)


if __name__ == "__main__":
    main()
