from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "tests.casework"
    label = "casework"

    def ready(self) -> None:
        from safeguard.api import api

        from .api import router

        api.add_router("/casework", router)
