from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "safeguard.voice"
    label = "voice"
