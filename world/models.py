"""The world: its map (factions, regions, settlements, routes), clock and chronicle."""

from django.db import models
from django.db.models import F, Q


class World(models.Model):
    """One imported map and its clock. One tick is `hours_per_tick` game hours."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    source_file = models.CharField(max_length=500, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    source_version = models.CharField(max_length=40, blank=True, help_text="Azgaar generator version")
    seed = models.CharField(max_length=60, blank=True)
    width = models.FloatField(default=0)
    height = models.FloatField(default=0)
    distance_scale = models.FloatField(default=1.0, help_text="Kilometres per map unit")
    start_year = models.IntegerField(default=1)
    era = models.CharField(max_length=100, blank=True)
    people_per_npc = models.PositiveIntegerField(default=100)
    current_tick = models.PositiveIntegerField(default=0)
    hours_per_tick = models.PositiveSmallIntegerField(default=1)
    ticks_skipped = models.PositiveIntegerField(
        default=0, help_text="Scheduled ticks skipped because one was running"
    )
    last_skipped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # One world per imported file and scale, even when two imports race.
            models.UniqueConstraint(
                fields=["source_sha256", "people_per_npc"],
                condition=~Q(source_sha256=""),
                name="world_unique_source_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def game_hour(self) -> int:
        return (self.current_tick * self.hours_per_tick) % 24

    @property
    def game_day(self) -> int:
        return (self.current_tick * self.hours_per_tick) // 24 + 1


class Stance(models.TextChoices):
    ALLY = "Ally"
    FRIENDLY = "Friendly"
    NEUTRAL = "Neutral"
    SUSPICION = "Suspicion"
    RIVAL = "Rival"
    ENEMY = "Enemy"
    VASSAL = "Vassal"
    SUZERAIN = "Suzerain"
    UNKNOWN = "Unknown"


class Faction(models.Model):
    """A state of the map (Azgaar `pack.states`); index 0 is the neutral lands."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="factions")
    source_id = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    full_name = models.CharField(max_length=300, blank=True)
    form = models.CharField(max_length=100, blank=True)
    color = models.CharField(max_length=20, blank=True)
    is_neutral = models.BooleanField(default=False)
    treasury = models.BigIntegerField(default=0, help_text="Copper pieces")

    class Meta:
        ordering = ["world", "source_id"]
        constraints = [
            models.UniqueConstraint(fields=["world", "source_id"], name="faction_unique_source"),
            models.CheckConstraint(condition=Q(treasury__gte=0), name="faction_treasury_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class FactionRelation(models.Model):
    """How `faction` regards `other` (Azgaar `states[i].diplomacy[j]`)."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="faction_relations")
    faction = models.ForeignKey(Faction, on_delete=models.CASCADE, related_name="relations")
    other = models.ForeignKey(Faction, on_delete=models.CASCADE, related_name="+")
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.NEUTRAL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["faction", "other"], name="faction_relation_unique"),
            models.CheckConstraint(condition=~Q(faction=F("other")), name="faction_relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.faction} → {self.other}: {self.stance}"


class Region(models.Model):
    """A province of the map, or a whole state where the map has no provinces."""

    class Kind(models.TextChoices):
        PROVINCE = "province"
        STATE = "state"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="regions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_id = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    full_name = models.CharField(max_length=300, blank=True)
    faction = models.ForeignKey(Faction, on_delete=models.PROTECT, related_name="regions")
    color = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["world", "name"]
        constraints = [
            models.UniqueConstraint(fields=["world", "kind", "source_id"], name="region_unique_source"),
        ]

    def __str__(self) -> str:
        return self.name


class Settlement(models.Model):
    """A burg of the map. `population` is people; NPCs stand for a sample of them."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="settlements")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="settlements")
    faction = models.ForeignKey(Faction, on_delete=models.PROTECT, related_name="settlements")
    source_id = models.PositiveIntegerField()
    cell = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=40, blank=True, help_text="Azgaar burg type: Generic, Naval, Hunting..."
    )
    culture = models.CharField(max_length=100, blank=True)
    x = models.FloatField()
    y = models.FloatField()
    population = models.PositiveIntegerField()
    is_capital = models.BooleanField(default=False)
    is_port = models.BooleanField(default=False)
    has_citadel = models.BooleanField(default=False)
    has_walls = models.BooleanField(default=False)
    has_temple = models.BooleanField(default=False)
    has_plaza = models.BooleanField(default=False)
    has_shanty = models.BooleanField(default=False)
    treasury = models.BigIntegerField(default=0, help_text="Copper pieces: taxes that pay guards and priests")

    class Meta:
        ordering = ["world", "name"]
        constraints = [
            models.UniqueConstraint(fields=["world", "source_id"], name="settlement_unique_source"),
            models.CheckConstraint(condition=Q(treasury__gte=0), name="settlement_treasury_non_negative"),
        ]
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    """An undirected link between two settlements (stored with a_id < b_id)."""

    class Kind(models.TextChoices):
        ROAD = "road"
        TRAIL = "trail"
        SEA = "sea"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="routes")
    a = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="routes_a")
    b = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="routes_b")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ROAD)
    distance_km = models.FloatField()
    cells = models.JSONField(default=list, blank=True, help_text="Map cells along the route")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="route_unique_pair"),
            models.CheckConstraint(condition=Q(a__lt=F("b")), name="route_ordered_pair"),
            models.CheckConstraint(condition=Q(distance_km__gte=0), name="route_distance_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.a} – {self.b} ({self.kind}, {self.distance_km:.0f} km)"


class ChronicleEntry(models.Model):
    """The world's log: what happened, when (tick) and why (`causes`)."""

    class Kind(models.TextChoices):
        IMPORT = "import"
        TICK = "tick"
        ECONOMY = "economy"
        NPC = "npc"
        EVENT = "event"
        QUEST = "quest"
        GM = "gm"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="chronicle")
    tick = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.SET_NULL, related_name="chronicle"
    )
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    causes = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="effects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tick", "-id"]
        verbose_name_plural = "chronicle entries"
        indexes = [models.Index(fields=["world", "-tick"]), models.Index(fields=["settlement", "-tick"])]

    def __str__(self) -> str:
        return f"[{self.tick}] {self.text[:80]}"


class TickRun(models.Model):
    """One world tick: started by beat, the console or `simulate`; closed by the chord callback."""

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        CONSOLE = "console"
        SIMULATE = "simulate"
        INLINE = "inline"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="tick_runs")
    tick = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    shards_total = models.PositiveIntegerField(default=0)
    shards_done = models.PositiveIntegerField(default=0)
    npc_updates = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-tick"]
        constraints = [models.UniqueConstraint(fields=["world", "tick"], name="tickrun_unique_tick")]

    def __str__(self) -> str:
        return f"{self.world} tick {self.tick} ({self.status})"


class ShardRun(models.Model):
    """Idempotency marker: a (world, tick, shard) is applied once, in the same transaction as its writes."""

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="+")
    tick = models.PositiveIntegerField()
    shard = models.CharField(max_length=40, help_text="e.g. region:12")
    npc_updates = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["world", "tick", "shard"], name="shardrun_unique")]

    def __str__(self) -> str:
        return f"{self.world_id}/{self.tick}/{self.shard}"
