from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "margin.crm"
    label = "crm"
