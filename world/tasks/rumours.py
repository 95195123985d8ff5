"""Rumour tasks: start a rumour at an NPC, spread every rumour of a world one step."""
