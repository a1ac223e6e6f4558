from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TimescalesConfig(AppConfig):
    name = "safeguard.timescales"
    label = "timescales"
    verbose_name = "Timescales"

    def ready(self) -> None:
        # Each domain app declares its rules in its own timescales.py.
        autodiscover_modules("timescales")
