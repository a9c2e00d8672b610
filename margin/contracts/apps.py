from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "margin.contracts"
    label = "contracts"
