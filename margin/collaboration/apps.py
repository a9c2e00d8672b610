from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "margin.collaboration"
    label = "collaboration"
