"""World events: pure maths in `sim`; writes in world/events/services/; tasks in world/tasks/events.py."""
