from django.apps import AppConfig


class RatesConfig(AppConfig):
    name = "margin.rates"
    label = "rates"
