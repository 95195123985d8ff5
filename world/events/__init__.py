"""World events: pure maths in `sim`; writes in world/services/events.py; tasks in world/tasks/events.py."""
