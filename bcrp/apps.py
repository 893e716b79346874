from django.apps import AppConfig


class BcrpConfig(AppConfig):
    name = "bcrp"
    verbose_name = "Platform"

    def ready(self) -> None:
        from bcrp import signals  # noqa: F401 - connects the login audit receivers
