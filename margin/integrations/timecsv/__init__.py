"""Time entries in and out as files: CSV import from Harvest, Toggl and Clockify (and Margin's own export), CSV and
XLSX export, and the bulk API."""
