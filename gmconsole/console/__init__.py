"""The game master's console: server-rendered pages refreshed with htmx, staff only."""
