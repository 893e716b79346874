from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self) -> None:
        # Each app above this one adds its sections to the home's to-do list from `todo.py`.
        autodiscover_modules("todo")
        # And the panels of a member's home from `member_home.py`.
        autodiscover_modules("member_home")
        # Teaches the audit viewer to name this app's records.
        from partnerships import audit_names  # noqa: F401
