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
        RUMOUR = "rumour"
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


class WorldEvent(models.Model):
    """Something big (a war, a flood, a festival...) that the world answers region by region.

    Started now or at a clocked time, it is applied by one task per affected region (a chord)
    and lasts `duration_ticks`: while it lasts, its impacts shape the affected regions' ticks.
    """

    class Kind(models.TextChoices):
        WAR = "war"
        FLOOD = "flood"
        PLAGUE = "plague"
        FAMINE = "famine"
        FIRE = "fire"
        FESTIVAL = "festival"
        QUEST = "quest", "Quest completion"
        CUSTOM = "custom"

    class Status(models.TextChoices):
        PENDING = "pending"  # created, waiting to start (now or at a clocked time)
        APPLYING = "applying"  # region tasks running
        ACTIVE = "active"  # applied everywhere; lasting effects in force
        PARTIAL = "partial"  # some regions failed; the GM may retry them
        ENDED = "ended"  # duration over; the world recovers
        CANCELLED = "cancelled"

    class Origin(models.TextChoices):
        CONSOLE = "console"
        SCHEDULE = "schedule"
        PLAYER = "player"
        QUEST = "quest"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text="Epicentre",
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="events", help_text="Epicentre"
    )
    aggressor = models.ForeignKey(
        Faction, null=True, blank=True, on_delete=models.SET_NULL, related_name="wars_started"
    )
    defender = models.ForeignKey(
        Faction, null=True, blank=True, on_delete=models.SET_NULL, related_name="wars_defended"
    )
    severity = models.PositiveSmallIntegerField(default=5, help_text="1 (minor) to 10 (catastrophic)")
    duration_ticks = models.PositiveIntegerField(default=48, help_text="How many ticks the effects last")
    effects = models.JSONField(
        default=dict, blank=True, help_text="Custom events: the GM's modifiers (see the event form)"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CONSOLE)
    created_by = models.CharField(max_length=150, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Clocked start; empty starts at once")
    started_tick = models.PositiveIntegerField(null=True, blank=True)
    ends_tick = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    chronicle_entry = models.ForeignKey(
        ChronicleEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quest = models.ForeignKey(
        "quests.Quest", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["world", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=10), name="event_severity_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_in_force(self, tick: int) -> bool:
        return (
            self.status in (self.Status.ACTIVE, self.Status.PARTIAL, self.Status.APPLYING)
            and self.ends_tick is not None
            and tick <= self.ends_tick
        )


class EventImpact(models.Model):
    """One region's share of an event: applied once by its region task, in force while the event lasts."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPLIED = "applied"
        FAILED = "failed"

    event = models.ForeignKey(WorldEvent, on_delete=models.CASCADE, related_name="impacts")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="event_impacts")
    hops = models.PositiveSmallIntegerField(default=0, help_text="Route-graph distance from the epicentre")
    intensity = models.FloatField(help_text="0..1: severity after the fall-off with distance")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    effects = models.JSONField(default=dict, blank=True, help_text="What the impact did: deaths, refugees...")
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    chronicle_entry = models.ForeignKey(
        ChronicleEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "hops", "region__name"]
        constraints = [models.UniqueConstraint(fields=["event", "region"], name="eventimpact_unique_region")]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.event} in {self.region} ({self.status})"


class Rumour(models.Model):
    """A piece of news spreading from mouth to mouth (Daley–Kendall: spreaders until they meet knowers)."""

    class Status(models.TextChoices):
        SPREADING = "spreading"
        STOPPED = "stopped"

    world = models.ForeignKey(World, on_delete=models.CASCADE, related_name="rumours")
    event = models.ForeignKey(
        WorldEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="rumours"
    )
    origin_settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="+")
    source_npc = models.ForeignKey(
        "npcs.Npc", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, help_text="The news as first told")
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SPREADING)
    started_tick = models.PositiveIntegerField()
    last_step_tick = models.PositiveIntegerField(default=0)
    heard_count = models.PositiveIntegerField(default=0)
    spreaders = models.PositiveIntegerField(default=0)
    settlements_reached = models.PositiveIntegerField(default=0)
    curve = models.JSONField(
        default=list, blank=True, help_text="[[tick, heard, spreaders, settlements], ...]"
    )
    chronicle_entry = models.ForeignKey(
        ChronicleEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_tick", "-id"]
        indexes = [models.Index(fields=["world", "status"])]

    def __str__(self) -> str:
        return self.text[:80] or f"Rumour {self.pk}"


class RumourHearing(models.Model):
    """The version of a rumour one NPC heard, from whom, and how much it believes it."""

    rumour = models.ForeignKey(Rumour, on_delete=models.CASCADE, related_name="hearings")
    npc = models.ForeignKey("npcs.Npc", on_delete=models.CASCADE, related_name="rumours_heard")
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="+")
    heard_from = models.ForeignKey(
        "npcs.Npc", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    heard_tick = models.PositiveIntegerField()
    hops = models.PositiveSmallIntegerField(default=0, help_text="Mouths between the source and this NPC")
    details = models.JSONField(default=dict)
    text = models.TextField(blank=True)
    belief = models.FloatField(default=1.0, help_text="0..1")
    is_spreading = models.BooleanField(default=True)
    knowers_met = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["heard_tick", "id"]
        constraints = [models.UniqueConstraint(fields=["rumour", "npc"], name="rumourhearing_unique_npc")]
        indexes = [models.Index(fields=["rumour", "is_spreading"]), models.Index(fields=["npc"])]

    def __str__(self) -> str:
        return f"{self.npc_id} heard {self.rumour_id}"
