"""Project wiring: settings, URLs, the WSGI and Celery entry points, template context."""
