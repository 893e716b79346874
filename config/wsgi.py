"""WSGI entry point for gunicorn (`gunicorn config.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

from bcrp import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A web server started by hand on a development machine brings up the embedded servers the
# settings point at; under `make run` or in production the URLs are set and nothing starts.
embedded.ensure_services()

import config.celery  # noqa: E402, F401 - tasks sent from pages go through the project's app

application = get_wsgi_application()
