"""MS Project XML (MSPDI): export and import of a project plan."""
