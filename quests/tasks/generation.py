"""Quest generation tasks (plot, objectives) on the llm queue."""
