"""A new project made from a file: MS Project XML, a Jira or a Trello CSV (the New project flow's fourth way)."""
