"""People of the world: NPCs with needs, a profession and a daily routine; player characters."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Profession(models.TextChoices):
    FARMER = "farmer"
    HERDER = "herder"
    HUNTER = "hunter"
    FISHER = "fisher"
    MILLER = "miller"
    BAKER = "baker"
    BREWER = "brewer"
    MINER = "miner"
    SMITH = "smith"
    MERCHANT = "merchant"
    GUARD = "guard"
    INNKEEPER = "innkeeper"
    PRIEST = "priest"
    LABOURER = "labourer"


class Activity(models.TextChoices):
    SLEEP = "sleep"
    EAT = "eat"
    WORK = "work"
    SOCIALISE = "socialise"
    IDLE = "idle"


class Npc(models.Model):
    """Needs are satisfaction levels 0–100 (100 = fully met); money in copper pieces."""

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="npcs")
    settlement = models.ForeignKey("world.Settlement", on_delete=models.CASCADE, related_name="npcs")
    # Denormalised from the settlement: the tick shards by region.
    region = models.ForeignKey("world.Region", on_delete=models.CASCADE, related_name="npcs")
    name = models.CharField(max_length=120)
    age = models.PositiveSmallIntegerField()
    profession = models.CharField(max_length=20, choices=Profession.choices)
    hunger = models.PositiveSmallIntegerField(default=80)
    rest = models.PositiveSmallIntegerField(default=80)
    social = models.PositiveSmallIntegerField(default=70)
    safety = models.PositiveSmallIntegerField(default=70)
    activity = models.CharField(max_length=12, choices=Activity.choices, default=Activity.IDLE)
    purse = models.PositiveIntegerField(default=0, help_text="Copper pieces")
    food = models.PositiveSmallIntegerField(default=0, help_text="Meals kept at home")
    is_alive = models.BooleanField(default=True)
    last_tick = models.PositiveIntegerField(default=0, help_text="Last tick applied to this NPC")

    class Meta:
        ordering = ["settlement", "name"]
        indexes = [models.Index(fields=["region", "id"]), models.Index(fields=["settlement", "profession"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hunger__lte=100) & Q(rest__lte=100) & Q(social__lte=100) & Q(safety__lte=100),
                name="npc_needs_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.profession})"


class PlayerCharacter(models.Model):
    """A player's character; a player account owns one per world."""

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="characters")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="characters")
    settlement = models.ForeignKey("world.Settlement", on_delete=models.PROTECT, related_name="characters")
    name = models.CharField(max_length=120)
    purse = models.PositiveIntegerField(default=1000, help_text="Copper pieces")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["world", "owner"], name="one_character_per_world")]

    def __str__(self) -> str:
        return self.name
