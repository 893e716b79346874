"""The Celery application (`celery -A config worker`); tasks live in each app's tasks.py."""

import os

from celery import Celery

from bcrp import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A worker or beat started by hand on a development machine brings up the embedded servers the
# settings point at; under `make run` or in production the URLs are set and nothing starts.
embedded.ensure_services()

app = Celery("bcrp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
