from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Connects the receivers that delete a pack's files with the pack, however it goes.
        # Moves incidents' offender links when two profiles are merged.
        from incidents import (
            merge,  # noqa: F401
            packs,  # noqa: F401
        )
