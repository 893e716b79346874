"""Cross-cutting pieces: settings, URLs, the Celery app, the User, the audit trail."""

from bcrp.celery import app as celery_app

__all__ = ["celery_app"]
