"""gmconsole: the project package, the GM console and shared infrastructure."""

from .celery import app as celery_app

__all__ = ("celery_app",)
