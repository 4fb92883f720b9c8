"""The results folder's layout, and atomic file writes (a temporary file in the same folder, then
``os.replace``).

Layout of a results folder ``DIR`` (DESIGN.md section 6): ``spec.yaml``, ``manifest.json``,
``metrics.parquet``, ``summary.csv``, ``report.html``, ``figures/``, and per run
``runs/<scenario>/<replication>/`` with its tables (``<table>.parquet``), ``metrics.parquet``,
``info.json`` and its relationship network ``network.graphml``."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

RUNS = "runs"
NETWORK_FILE = "network.graphml"
SCALARS = (str, int, float, bool)


def run_folder(out: Path, scenario: str, replication: int) -> Path:
    """The folder of one run's outputs in results folder ``out``."""
    return out / RUNS / scenario / str(replication)


def write_atomic(
    path: Path, data: bytes | str, check: Callable[[Path], None] | None = None
) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one;
    ``check``, if given, is called on the complete temporary file first and may raise to keep
    the old file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        if check is not None:
            check(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _scalar(value: Any) -> Any:
    """``value`` as a GraphML scalar (numpy scalars unwrapped), or None to drop it."""
    if hasattr(value, "item") and not isinstance(value, SCALARS):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    return value if isinstance(value, SCALARS) else None


def _scalar_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: _scalar(v) for k, v in attrs.items()}
    return {k: v for k, v in kept.items() if v is not None}


def graphml_ready(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with only scalar attributes (``spec`` objects and other non-scalars
    dropped), as GraphML requires."""
    out = nx.MultiDiGraph(**_scalar_attrs(graph.graph))
    out.add_nodes_from((n, _scalar_attrs(d)) for n, d in graph.nodes(data=True))
    out.add_edges_from(
        (u, v, k, _scalar_attrs(d)) for u, v, k, d in graph.edges(keys=True, data=True)
    )
    return out


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    """Write ``graph`` as GraphML to ``path`` atomically, non-scalar attributes dropped."""
    buffer = io.BytesIO()
    nx.write_graphml(graphml_ready(graph), buffer)
    write_atomic(path, buffer.getvalue())
    return path
