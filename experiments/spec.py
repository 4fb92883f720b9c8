"""Experiment specs: YAML -> validated spec -> one frozen ``SimConfig`` per scenario.

A spec names the experiment, states its question, names the world its runs build (``world``,
one of ``agents.worlds.WORLDS``; default ``clearing``), gives a root seed, the replications, the
reference scenario, a ``base`` configuration (partial, merged onto the defaults) and named
``scenarios`` (partial overrides merged onto the base). Validation collects every error, each
with its YAML path (e.g. ``scenarios.cross_margin.xm.cap``), before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from agents.worlds import DEFAULT_WORLD, WORLDS
from experiments.oat import check_oat
from experiments.sweep import expand_sweep
from sim.config import SimConfig, deep_merge, default_config_dict
from sim.errors import ConfigError
from sim.inputs import StrictLoader, read_text
from sim.metrics.registry import METRICS


class SpecError(ConfigError):
    """A spec that cannot be used; ``errors`` lists (yaml path, message) pairs."""

    def __init__(self, source: str, errors: list[tuple[str, str]]) -> None:
        self.source, self.errors = source, errors
        lines = "\n".join(f"  {path}: {msg}" for path, msg in errors)
        super().__init__(f"{source}: {len(errors)} error(s)\n{lines}")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    question: str = ""
    seed: StrictInt = Field(20260430, ge=0, lt=2**32)
    replications: StrictInt = Field(5, ge=1, le=10_000)
    reference: str
    world: str = DEFAULT_WORLD
    headline_metrics: list[str] = Field(
        default_factory=lambda: ["end_user_im_usd", "xm_savings_usd", "prefunding_usd"]
    )
    base: dict[str, Any] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, Any] | None] = Field(min_length=1)

    @model_validator(mode="after")
    def _reference_known(self) -> Spec:
        if self.reference not in self.scenarios:
            raise ValueError(
                f"reference {self.reference!r} is not one of the scenarios {sorted(self.scenarios)}"
            )
        return self

    @field_validator("world")
    @classmethod
    def _world_known(cls, v: str) -> str:
        if v not in WORLDS:
            raise ValueError(f"unknown world {v!r}; known worlds: {', '.join(WORLDS)}")
        return v

    @field_validator("headline_metrics")
    @classmethod
    def _metrics_known(cls, v: list[str]) -> list[str]:
        unknown = [m for m in v if m not in METRICS]
        if unknown:
            raise ValueError(
                f"unknown metric(s) {unknown}; allowed: names of sim.metrics.registry.METRICS,"
                f" e.g. {', '.join(sorted(METRICS)[:4])}"
            )
        return v


@dataclass(frozen=True)
class ResolvedSpec:
    spec: Spec
    base: dict[str, Any]
    configs: dict[str, SimConfig]

    def to_yaml(self) -> str:
        """The resolved spec: every default of the base filled in, scenarios as given."""
        data = self.spec.model_dump(mode="json")
        data["base"] = self.base
        data["scenarios"] = {k: v or {} for k, v in self.spec.scenarios.items()}
        return yaml.safe_dump(data, sort_keys=False)


def _errors(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        hide = err["type"] == "missing" or isinstance(err.get("input"), dict)
        value = "" if hide else f" (got {err.get('input')!r})"
        out.append((loc or "<spec>", err["msg"] + value))
    return out


def _config(data: dict, prefix: str) -> tuple[SimConfig | None, list[tuple[str, str]]]:
    try:
        return SimConfig.model_validate(data), []
    except ValidationError as exc:
        return None, _errors(exc, prefix)


def _scenario_configs(base_raw: Any, scenarios: Any) -> tuple[dict, dict, list]:
    """Validate the base and every scenario; errors of the base are not repeated per scenario."""
    if not isinstance(base_raw, dict) or not isinstance(scenarios, dict):
        return {}, {}, []
    base = deep_merge(default_config_dict(), base_raw)
    base_cfg, errors = _config(base, "base")
    base_paths = {p.removeprefix("base.") for p, _ in errors}
    configs: dict[str, SimConfig] = {}
    for name, override in scenarios.items():
        if override is not None and not isinstance(override, dict):
            continue
        cfg, errs = _config(deep_merge(base, override or {}), f"scenarios.{name}")
        errors += [
            (p, m) for p, m in errs if p.removeprefix(f"scenarios.{name}.") not in base_paths
        ]
        if cfg is not None:
            configs[name] = cfg
    resolved_base = base_cfg.model_dump(mode="json") if base_cfg else {}
    return resolved_base, configs, errors


def resolve(raw: Any, source: str = "<spec>") -> ResolvedSpec:
    """Validate a parsed spec and build every scenario's config; raise ``SpecError`` listing
    every error found (spec fields, base and scenarios)."""
    if not isinstance(raw, dict):
        raise SpecError(source, [("<spec>", "must be a mapping of spec fields")])
    raw, errors = expand_sweep(raw)
    spec = None
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as exc:
        errors += _errors(exc, "")
    base, configs, config_errors = _scenario_configs(raw.get("base", {}), raw.get("scenarios"))
    errors += config_errors + (check_oat(raw["scenarios"]) if spec else [])
    if errors or spec is None:
        raise SpecError(source, errors)
    return ResolvedSpec(spec, base, configs)


def builtin_names() -> list[str]:
    folder = resources.files("experiments") / "specs"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def read_spec(name_or_path: str) -> tuple[Any, str]:
    """Parse a built-in spec by name or a YAML file by path; returns (data, source label)."""
    if name_or_path in builtin_names():
        text = (resources.files("experiments") / "specs" / f"{name_or_path}.yaml").read_text()
        return _parse(text, f"built-in spec {name_or_path!r}"), name_or_path
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(
            f"{name_or_path}: no such spec file and no built-in experiment of "
            f"that name (built-ins: {', '.join(builtin_names())})"
        )
    return _parse(read_text(path, "spec"), str(path)), str(path)


def _parse(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(
            source, [("<yaml>", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}")]
        ) from None


def load(
    name_or_path: str,
    overrides: dict[str, Any] | None = None,
    history: str | None = None,
    default_history: str | None = None,
) -> ResolvedSpec:
    """Read, override top-level fields (e.g. seed, replications) and resolve a spec.

    ``history`` (``--history``) sets the base's ``market.history_file``; ``default_history``
    (``$CROSSMARGIN_HISTORY``) does so only where the spec names none.
    """
    raw, source = read_spec(name_or_path)
    if isinstance(raw, dict):
        raw = {**raw, **(overrides or {})}
        base = raw.get("base") if isinstance(raw.get("base"), dict) else {}
        named = ((base.get("market") or {}) if isinstance(base.get("market"), dict) else {}).get(
            "history_file"
        )
        chosen = history or (None if named else default_history)
        if chosen:
            raw["base"] = deep_merge(base, {"market": {"history_file": chosen}})
    return resolve(raw, source)
