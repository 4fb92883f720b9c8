"""Readers of user files shared by every input: UTF-8 text, strict YAML, finite numbers.

Each turns a decoding, parsing or type problem into one ``ConfigError`` naming the file, the
field, the value and what is allowed. The experiments' input layer (``experiments.inputs``)
builds on these; the readers of portfolios and histories in ``sim`` use them directly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ConfigError


def read_text(path: str | Path, what: str) -> str:
    """The text of ``path`` decoded as UTF-8 (a UTF-8 byte-order mark is allowed); a missing,
    unreadable or non-UTF-8 file (Latin-1, UTF-16, binary) raises ``ConfigError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: {what} is not UTF-8 text (byte {data[exc.start]:#04x} at offset "
            f"{exc.start}); allowed: a UTF-8 text file"
        ) from None
    if "\x00" in text:
        raise ConfigError(f"{path}: {what} holds NUL bytes (binary?); allowed: UTF-8 text")
    return text


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping with the same key twice."""


def _mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (each key may appear once)", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML (JSON is YAML) with duplicate keys refused; ``ConfigError`` names the source,
    line and column."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"{source}: not valid YAML{where}: {problem}") from None


def finite_number(value: Any, where: str) -> float:
    """``value`` as a float if it is a finite int or float (not a boolean), else ``ConfigError``
    naming ``where`` and the value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{where}: must be a finite number, got {value!r}")
    return float(value)
