from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "margin.integrations"
    label = "integrations"

    def ready(self) -> None:
        # The API package may not import integrations (they sit above it): they join the one NinjaAPI here,
        # once, when Django starts (before any URL or the OpenAPI document is built).
        from margin.api.main import api
        from margin.integrations.msproject.api import router as msproject
        from margin.integrations.projectfile.api import router as projectfile
        from margin.integrations.timecsv.api import router as timecsv

        api.add_router("/", msproject)
        api.add_router("/", timecsv)
        api.add_router("/", projectfile)
