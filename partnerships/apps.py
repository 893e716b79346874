from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self) -> None:
        # Teaches the audit viewer to name this app's records.
        from partnerships import audit_names  # noqa: F401
