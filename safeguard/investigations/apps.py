from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "safeguard.investigations"
    label = "investigations"
    verbose_name = "Investigations"

    def ready(self) -> None:
        from safeguard.people.history import register

        from .chronology import investigation_history

        register(investigation_history)
