"""Named worlds: the builders that create a run's agents, passed into ``sim.run.run``.

``WORLDS`` maps each name a spec may give (its ``world`` field) to its builder:

- ``clearing`` (the default): CCPs, clearing firms, custodians and end users on the clearing
  day (``agents.worlds.clearing``);
- ``adoption``: end users deciding whether to take up customer XM and the firms' onboarding
  desks (``agents.worlds.adoption``).
"""

from __future__ import annotations

from agents.worlds.adoption import build_adoption_world
from agents.worlds.clearing import build_world
from sim.errors import ConfigError
from sim.run import World

WORLDS: dict[str, World] = {"clearing": build_world, "adoption": build_adoption_world}
DEFAULT_WORLD = "clearing"


def world_named(name: str) -> World:
    """The builder of world ``name``; ``ConfigError`` listing the names for an unknown one."""
    if name not in WORLDS:
        raise ConfigError(f"world {name!r} is not a known world; known: {', '.join(WORLDS)}")
    return WORLDS[name]
