"""Quest play tasks (progression)."""
