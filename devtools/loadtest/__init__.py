"""The load scenario (a Locust file) and the faults `manage.py loadtest` applies while it runs."""
