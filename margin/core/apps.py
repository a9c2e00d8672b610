from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "margin.core"
    label = "core"
    verbose_name = "Core"
