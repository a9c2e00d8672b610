from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "margin.api"
    label = "api"
