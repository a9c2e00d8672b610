from django.apps import AppConfig


class ResourcingConfig(AppConfig):
    name = "margin.resourcing"
    label = "resourcing"
