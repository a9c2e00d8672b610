"""Jira: tasks from a Jira CSV export."""
