"""Tasks from spreadsheet exports of other tools (Jira, Trello): the shared rows, reading, preview and import."""
