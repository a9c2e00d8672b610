"""iCalendar (RFC 5545): a private per-user feed of milestones and task deadlines."""
