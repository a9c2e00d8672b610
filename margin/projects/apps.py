from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "margin.projects"
    label = "projects"
