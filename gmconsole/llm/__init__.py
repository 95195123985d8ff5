"""The LLM layer shared by quests (and later NPC minds).

- `gmconsole.llm.structured.structured_call` — a validated pydantic object from the model,
  or from the caller's template narrator when there is no key or the world's budget is spent.
- `gmconsole.llm.errors` — what can go wrong, split into retryable and permanent.
- `gmconsole.llm.tasks.llm_task` — a Celery task decorator with the matching retry policy.
- `gmconsole.llm.services` / `gmconsole.llm.selectors` — call records and daily budgets.

Nothing is imported here, so importing a submodule never drags in Django models early.
"""
