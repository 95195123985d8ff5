"""Rumours: news that travels from mouth to mouth (sim: pure maths; services: writes; selectors: reads)."""
