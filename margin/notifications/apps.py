from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "margin.notifications"
    label = "notifications"
