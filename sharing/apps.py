from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        # Registers the documents' refresh task, which services queue by name.
        from sharing import documents  # noqa: F401
