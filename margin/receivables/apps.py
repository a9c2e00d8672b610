from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "margin.receivables"
    label = "receivables"
