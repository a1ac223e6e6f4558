from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "safeguard.sharing"
    label = "sharing"
    verbose_name = "Information sharing"

    def ready(self) -> None:
        from safeguard.people.history import register

        from . import receivers  # noqa: F401  (concerns' signals start the clocks to share)
        from .chronology import sharing_history

        register(sharing_history)
