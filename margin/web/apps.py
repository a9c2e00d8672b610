from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "margin.web"
    label = "web"
