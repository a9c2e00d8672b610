from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Outside systems. Their API routers join the one NinjaAPI in `config/api.py` (wiring)."""

    name = "margin.integrations"
    label = "integrations"
