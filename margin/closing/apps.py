from django.apps import AppConfig


class ClosingConfig(AppConfig):
    name = "margin.closing"
    label = "closing"
