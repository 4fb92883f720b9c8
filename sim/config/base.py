"""Shared pieces of the configuration models: frozen strict models and ET clock times."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sim.calendar import parse_clock


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Clock = str


def check_clock(value: str) -> str:
    try:
        parse_clock(value)
    except (ValueError, AttributeError):
        raise ValueError(f"must be a clock time 'HH:MM' (ET), got {value!r}") from None
    return value
