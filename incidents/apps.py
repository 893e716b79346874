from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Connects the receivers that delete a pack's files with the pack, however it goes.
        from incidents import packs  # noqa: F401
