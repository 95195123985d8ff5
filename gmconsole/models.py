"""Shared infrastructure models: API tokens for players; LLM calls and budgets."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A player's bearer token. Only its SHA-256 is stored; the raw token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="default")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a token")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def new_raw_key() -> str:
        return secrets.token_urlsafe(32)


class PlayerTask(models.Model):
    """A task a player started through the API: only its owner may read its status."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="player_tasks")
    task_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} {self.task_id} ({self.user})"


class LLMCall(models.Model):
    """One request to the language model, or one answer by the template narrator instead.

    A structured call that needed three attempts leaves three rows (attempt 1, 2, 3), so the
    console shows what each repair cost and why it was needed.
    """

    class Narrator(models.TextChoices):
        LLM = "llm"
        TEMPLATE = "template"

    class Outcome(models.TextChoices):
        OK = "ok", "ok"
        REPAIRED = "repaired", "repaired (valid after a correction request)"
        INVALID = "invalid", "invalid output"
        TEMPLATE = "template", "template (no API key)"
        BUDGET = "budget", "template (daily budget spent)"
        RATE_LIMITED = "rate_limited", "rate limited (429)"
        UNAVAILABLE = "unavailable", "unavailable (timeout, connection, 5xx)"
        BAD_REQUEST = "bad_request", "bad request (not retried)"

    world = models.ForeignKey(
        "world.World", on_delete=models.SET_NULL, null=True, blank=True, related_name="llm_calls"
    )
    purpose = models.CharField(max_length=100, help_text="What the call was for, e.g. quests.plot")
    model = models.CharField(max_length=200, blank=True)
    narrator = models.CharField(max_length=10, choices=Narrator.choices)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    task_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "LLM call"
        indexes = [
            models.Index(fields=["world", "created_at"], name="llmcall_world_created"),
            models.Index(fields=["created_at"], name="llmcall_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cost_usd__gte=0), name="llmcall_cost_not_negative"),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="llmcall_attempt_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.attempt} {self.outcome}"


class LLMBudget(models.Model):
    """A world's daily LLM spend limit in USD, set by its GM. Worlds without one use the default."""

    world = models.OneToOneField("world.World", on_delete=models.CASCADE, related_name="llm_budget")
    daily_usd = models.DecimalField(max_digits=10, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "LLM budget"
        constraints = [
            models.CheckConstraint(condition=Q(daily_usd__gte=0), name="llmbudget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.world}: ${self.daily_usd}/day"
