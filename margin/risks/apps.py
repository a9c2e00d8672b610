from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "margin.risks"
    label = "risks"
