from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "margin.notifications"
    label = "notifications"

    def ready(self) -> None:
        from margin.notifications.delivery import connect_signals

        connect_signals()
