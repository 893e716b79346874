"""WSGI entry point for gunicorn (`gunicorn config.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Tasks sent from pages go through the project's Celery app.
import config.celery  # noqa: F401

application = get_wsgi_application()
