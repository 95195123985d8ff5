"""Quests: troubles the world noticed (hooks), the quests drafted from them, and their play.

Motivations follow Doran & Parberry's structural analysis of RPG quests (2011): every quest
answers one of nine reasons an NPC has to ask for help.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Motivation(models.TextChoices):
    KNOWLEDGE = "knowledge"
    COMFORT = "comfort"
    REPUTATION = "reputation"
    SERENITY = "serenity"
    PROTECTION = "protection"
    CONQUEST = "conquest"
    WEALTH = "wealth"
    ABILITY = "ability"
    EQUIPMENT = "equipment"


class QuestHook(models.Model):
    """A trouble the world noticed. `key` names the trouble, so a scan that sees it again updates it."""

    class Kind(models.TextChoices):
        SHORTAGE = "shortage"
        DEAR_GOODS = "dear_goods"
        UNMET_NEEDS = "unmet_needs"
        DANGEROUS_ROUTE = "dangerous_route"
        CHRONICLE_EVENT = "chronicle_event"
        WAR = "war"

    class Status(models.TextChoices):
        OPEN = "open"
        DRAFTED = "drafted"
        RESOLVED = "resolved"
        EXPIRED = "expired"

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="quest_hooks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(
        max_length=200, help_text="Stable idempotency key, e.g. shortage:settlement:12:bread"
    )
    motivation = models.CharField(max_length=12, choices=Motivation.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    severity = models.PositiveSmallIntegerField(default=0, help_text="0–100: how pressing, for ranking")
    summary = models.CharField(max_length=300, help_text="One line a GM reads: what is wrong, where")
    settlement = models.ForeignKey(
        "world.Settlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="quest_hooks"
    )
    region = models.ForeignKey(
        "world.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    route = models.ForeignKey(
        "world.Route", null=True, blank=True, on_delete=models.SET_NULL, related_name="quest_hooks"
    )
    item = models.ForeignKey(
        "economy.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    faction = models.ForeignKey(
        "world.Faction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rival_faction = models.ForeignKey(
        "world.Faction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The enemy, for wars and war-front routes",
    )
    chronicle_entry = models.ForeignKey(
        "world.ChronicleEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The entry that raised a chronicle_event hook",
    )
    giver = models.ForeignKey(
        "npcs.Npc", null=True, blank=True, on_delete=models.SET_NULL, related_name="quest_hooks_given"
    )
    involved = models.ManyToManyField("npcs.Npc", blank=True, related_name="quest_hooks")
    facts = models.JSONField(default=dict, blank=True, help_text="The numbers that justify the hook")
    detected_tick = models.PositiveIntegerField()
    last_seen_tick = models.PositiveIntegerField()
    redrafts = models.PositiveSmallIntegerField(
        default=0,
        help_text="Drafts of this trouble a GM rejected; each reopens the hook under a fresh generation key",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-severity", "-last_seen_tick", "id"]
        constraints = [
            models.UniqueConstraint(fields=["world", "key"], name="quest_hook_unique_key"),
            models.CheckConstraint(
                condition=Q(last_seen_tick__gte=F("detected_tick")), name="quest_hook_seen_after_detected"
            ),
            models.CheckConstraint(condition=Q(severity__lte=100), name="quest_hook_severity_at_most_100"),
        ]
        indexes = [models.Index(fields=["world", "status", "-severity"])]

    def __str__(self) -> str:
        return self.summary or self.key

    @property
    def generation_key(self) -> str:
        """Idempotency key of the quest drafted from this trouble (a trouble that returns is new, and
        so is the next draft after a GM rejected one)."""
        key = f"hook:{self.pk}:{self.detected_tick}"
        return f"{key}:redraft:{self.redrafts}" if self.redrafts else key


class Quest(models.Model):
    """A quest drafted from a hook; players see it only once a GM publishes it."""

    class Status(models.TextChoices):
        GENERATING = "generating"
        DRAFT = "draft"
        NEEDS_ATTENTION = "needs_attention"
        FAILED = "failed"
        PUBLISHED = "published"
        REJECTED = "rejected"
        COMPLETED = "completed"
        BROKEN = "broken"

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="quests")
    hook = models.ForeignKey(
        QuestHook, null=True, blank=True, on_delete=models.PROTECT, related_name="quests"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.GENERATING)
    title = models.CharField(max_length=200, blank=True)
    pitch = models.TextField(blank=True, help_text="The hook as the giver tells it")
    stakes = models.TextField(blank=True)
    twist = models.TextField(blank=True)
    motivation = models.CharField(max_length=12, choices=Motivation.choices)
    giver = models.ForeignKey(
        "npcs.Npc", null=True, blank=True, on_delete=models.SET_NULL, related_name="quests_given"
    )
    settlement = models.ForeignKey(
        "world.Settlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="quests"
    )
    reward_cp = models.PositiveIntegerField(default=0, help_text="Copper pieces")
    escrow_cp = models.PositiveIntegerField(
        default=0, help_text="Copper pieces held back from the giver's purse for the reward"
    )
    narrator = models.CharField(max_length=120, default="template", help_text='"template" or "llm:<model>"')
    validation = models.JSONField(default=dict, blank=True, help_text="The validator's last report")
    is_valid = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    generation_key = models.CharField(
        max_length=200, unique=True, help_text="The same hook generated twice yields one quest"
    )
    error = models.TextField(blank=True, help_text="Why generation failed, for the GM")
    task_ids = models.JSONField(default=list, blank=True, help_text="Celery task ids that worked on it")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reward_cp__gte=0), name="quest_reward_non_negative"),
            models.CheckConstraint(condition=Q(escrow_cp__gte=0), name="quest_escrow_non_negative"),
            # Escrow only ever holds the reward, never more.
            models.CheckConstraint(
                condition=Q(escrow_cp__lte=F("reward_cp")), name="quest_escrow_within_reward"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="quest_rejection_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["world", "status"])]

    def __str__(self) -> str:
        return self.title or f"Quest {self.pk} ({self.status})"


class QuestObjective(models.Model):
    """One atomic action of a quest; `requires` lists the keys of objectives to finish first."""

    class Action(models.TextChoices):
        GO_TO = "go_to"
        GATHER = "gather"
        FETCH = "fetch"
        DELIVER = "deliver"
        EXCHANGE = "exchange"
        TALK = "talk"
        LISTEN = "listen"
        REPORT = "report"
        ESCORT = "escort"
        DEFEND = "defend"
        DEFEAT = "defeat"
        EXPLORE = "explore"
        REPAIR = "repair"
        SPY = "spy"
        USE = "use"

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="objectives")
    key = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=10, choices=Action.choices)
    text = models.TextField(blank=True)
    settlement = models.ForeignKey(
        "world.Settlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    npc = models.ForeignKey("npcs.Npc", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(
        "economy.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    route = models.ForeignKey(
        "world.Route", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)
    requires = models.JSONField(default=list, blank=True, help_text="Keys of objectives that come first")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    done_tick = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["quest", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quest", "key"], name="quest_objective_unique_key"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quest_objective_quantity_positive"),
            models.CheckConstraint(
                condition=Q(status="pending", done_tick__isnull=True)
                | Q(status="done", done_tick__isnull=False),
                name="quest_objective_done_has_tick",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.action}"


class QuestReviewLog(models.Model):
    """Who did what to a quest in review (approve, edit, reject, regenerate, flag)."""

    class Action(models.TextChoices):
        APPROVE = "approve"
        EDIT = "edit"
        REJECT = "reject"
        REGENERATE = "regenerate"
        FLAG = "flag"

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="review_log")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} on quest {self.quest_id}"


class QuestAssignment(models.Model):
    """A player character who accepted a quest.

    Several characters may take the same quest; the first to finish it is paid from escrow and
    the others' assignments are `closed`, with the reason in `closed_reason`.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        COMPLETED = "completed"
        ABANDONED = "abandoned"
        CLOSED = "closed"

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="assignments")
    character = models.ForeignKey(
        "npcs.PlayerCharacter", on_delete=models.CASCADE, related_name="quest_assignments"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    accepted_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the quest closed for this character (shown to the player)"
    )

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["quest", "character"], name="quest_assignment_unique"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="quest_assignment_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(closed_reason="")),
                name="quest_assignment_closed_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character} on {self.quest} ({self.status})"


class QuestReport(models.Model):
    """One report of a player's actions on a quest, keyed for idempotency.

    The key is the request's `Idempotency-Key` header (or one the server made up when it had
    none), so the same report sent twice, or its task delivered twice, counts once: the second
    time the stored `result` is answered again.
    """

    assignment = models.ForeignKey(QuestAssignment, on_delete=models.CASCADE, related_name="reports")
    key = models.CharField(max_length=100, help_text="The Idempotency-Key of the report")
    actions = models.JSONField(default=list, blank=True, help_text="The actions as reported")
    task_id = models.CharField(max_length=255, blank=True, help_text="The progression task that applies it")
    result = models.JSONField(null=True, blank=True, help_text="What applying it did (the task's result)")
    tick = models.PositiveIntegerField(null=True, blank=True, help_text="The world's tick when applied")
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "key"], name="quest_report_unique_key"),
            models.CheckConstraint(
                condition=Q(processed_at__isnull=True) | Q(result__isnull=False),
                name="quest_report_processed_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.key} on assignment {self.assignment_id}"


class QuestProgress(models.Model):
    """One reported action of a player on a quest (or one thing the world saw the character do),
    and the objective it advanced (if any)."""

    class Source(models.TextChoices):
        PLAYER = "player", "reported by the player"
        WORLD = "world", "seen in the world"

    assignment = models.ForeignKey(QuestAssignment, on_delete=models.CASCADE, related_name="progress")
    report = models.ForeignKey(
        QuestReport, null=True, blank=True, on_delete=models.CASCADE, related_name="progress"
    )
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.PLAYER)
    objective = models.ForeignKey(
        QuestObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="progress"
    )
    payload = models.JSONField(default=dict, blank=True, help_text="The action as the player reported it")
    tick = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "created_at", "id"]
        verbose_name_plural = "quest progress"

    def __str__(self) -> str:
        return f"{self.assignment_id} @ {self.tick}: {self.objective_id}"
