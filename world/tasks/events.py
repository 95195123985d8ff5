"""Event tasks: start an event, apply it region by region (a chord), summarise it."""
