"""Period close, one place: the company lock date for everything dated, its history and the close checklist."""
