from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "safeguard.concerns"
    label = "concerns"

    def ready(self) -> None:
        from safeguard.people.history import register

        from .chronology import concern_history

        register(concern_history)
