from django.apps import AppConfig


class OffendersConfig(AppConfig):
    name = "offenders"
    verbose_name = "Offenders"

    def ready(self) -> None:
        # Teaches the audit viewer to name this app's records.
        from offenders import audit_names  # noqa: F401
