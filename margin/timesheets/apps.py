from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "margin.timesheets"
    label = "timesheets"
