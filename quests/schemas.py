"""What the language model (or the template narrator) writes for a quest: pydantic schemas.

The field descriptions are sent to the model as the function-calling schema, so they say
what to write and which ids are allowed, in the words a model needs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from quests.models import Motivation, QuestObjective
from quests.validation import ACTIONS

MotivationName = Literal[
    "knowledge",
    "comfort",
    "reputation",
    "serenity",
    "protection",
    "conquest",
    "wealth",
    "ability",
    "equipment",
]
ActionName = Literal[ACTIONS]  # the validator's list: one source for the schema the model sees
# The literals above must stay in step with the models' choices.
assert set(MotivationName.__args__) == set(Motivation.values)  # noqa: S101
assert set(ActionName.__args__) == set(QuestObjective.Action.values)  # noqa: S101


class QuestPlotOut(BaseModel):
    """The outline of a quest drafted from one trouble of the world."""

    title: str = Field(min_length=3, max_length=200, description="A short, evocative quest title.")
    pitch: str = Field(
        min_length=10,
        description="The hook as the giver tells it to the players, in two to four sentences, "
        "naming the real place, goods and numbers from the facts.",
    )
    giver_npc_id: int = Field(description="Id of the NPC who asks for help: one of the NPC ids listed.")
    stakes: str = Field(min_length=5, description="What happens to whom if nobody helps.")
    twist: str = Field(min_length=5, description="One complication or surprise a GM can use.")
    motivation: MotivationName = Field(
        description="Why the giver asks (Doran & Parberry): keep the motivation given in the facts "
        "unless it is clearly wrong."
    )
    reward_cp: int = Field(
        ge=0, description="Reward in copper pieces; the giver must be able to pay it from their purse."
    )


class ObjectiveOut(BaseModel):
    """One atomic step of the quest."""

    key: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="Short unique slug for this objective, e.g. 'talk-giver'.",
    )
    action: ActionName = Field(description="The atomic action the players perform.")
    text: str = Field(description="One sentence for the players: what to do, naming people and places.")
    settlement_id: int | None = Field(
        default=None, description="Id of the settlement this step happens in (only ids listed)."
    )
    npc_id: int | None = Field(default=None, description="Id of the NPC involved (only ids listed).")
    item_code: str | None = Field(default=None, description="Code of the item involved (only codes listed).")
    quantity: int = Field(default=1, ge=1, description="How many of the item (at least 1).")
    route_id: int | None = Field(default=None, description="Id of the route involved (only ids listed).")
    requires: list[str] = Field(
        default_factory=list,
        description="Keys of the objectives that must be done first. Exactly one objective "
        "requires nothing (the start); no cycles.",
    )


class QuestObjectivesOut(BaseModel):
    """The objectives of a quest: a small graph of atomic actions, from one start to a finish."""

    objectives: list[ObjectiveOut] = Field(
        min_length=1,
        max_length=12,
        description="3 to 7 objectives. Start by talking to the giver, end by reporting to them; "
        "every NPC named must be talked to, reported to, delivered to or escorted.",
    )
