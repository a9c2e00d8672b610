from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "margin.reporting"
    label = "reporting"
