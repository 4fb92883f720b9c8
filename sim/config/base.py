"""Shared pieces of the configuration models: frozen strict models and ET clock times."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from sim.calendar import parse_clock

_NUMBERS = frozenset({int, float, type(None)})


def _numeric(annotation: Any) -> bool:
    """A field typed ``int``, ``float`` or an optional of them (pydantic would take a boolean
    there as 0 or 1)."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = set(typing.get_args(annotation))
        return args <= _NUMBERS and args != {type(None)}
    return False


class Frozen(BaseModel):
    """Frozen, no unknown fields, finite floats only, and no booleans where a number is
    expected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if isinstance(data.get(name), bool) and _numeric(field.annotation):
                    raise ValueError(f"{name}: must be a number, got boolean {data[name]!r}")
        return data


Clock = str


def check_clock(value: str) -> str:
    try:
        parse_clock(value)
    except (ValueError, AttributeError):
        raise ValueError(f"must be a clock time 'HH:MM' (ET), got {value!r}") from None
    return value
