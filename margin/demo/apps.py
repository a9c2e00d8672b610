from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "margin.demo"
    label = "demo"
    verbose_name = "Demo firm"
