"""Trello: tasks from a Trello CSV export."""
