from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "margin.billing"
    label = "billing"
