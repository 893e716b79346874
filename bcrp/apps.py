from django.apps import AppConfig
from django.urls import register_converter


class BcrpConfig(AppConfig):
    name = "bcrp"
    verbose_name = "Platform"

    def ready(self) -> None:
        from bcrp import signals  # noqa: F401 - connects the login audit receivers
        from bcrp.converters import TokenConverter

        register_converter(TokenConverter, "token")
