"""Web endpoints of the integrations (included by config/urls.py, above the web screens)."""

from __future__ import annotations

from django.urls import path

from margin.integrations.ical import views as ical
from margin.integrations.msproject import views as msproject
from margin.integrations.projectfile import views as projectfile
from margin.integrations.sheets import views as sheets
from margin.integrations.timecsv import views as timecsv

app_name = "integrations"
urlpatterns = [
    path("projects/new/file/", projectfile.project_from_file, name="project_from_file"),
    path("projects/<int:project_id>/msproject/export.xml", msproject.msproject_export, name="msproject_export"),
    path("projects/<int:project_id>/msproject/import/", msproject.msproject_import, name="msproject_import"),
    path("calendar/<str:token>.ics", ical.calendar_feed, name="calendar_feed"),
    path("settings/calendar-feed/", ical.calendar_feed_settings, name="calendar_feed_settings"),
    path("projects/<int:project_id>/import/<slug:system>/", sheets.tasks_import_view, name="tasks_import"),
    path("time/import/", timecsv.time_import_view, name="time_import"),
    path("time/import/runs/<int:run_id>/", timecsv.time_import_status, name="time_import_status"),
    path("time/export/", timecsv.time_export_view, name="time_export"),
]
