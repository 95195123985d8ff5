"""Quests arrive in a later issue; the app exists so the layout and queues are in place."""
