from django.apps import AppConfig


class SafeguardConfig(AppConfig):
    """The project package: settings, URLs, the API object, the page shell and the worker schedule."""

    name = "safeguard"
    label = "safeguard"
    verbose_name = "Safeguard"
