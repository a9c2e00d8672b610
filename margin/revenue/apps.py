from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "margin.revenue"
    label = "revenue"
