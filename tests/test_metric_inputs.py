"""The metrics of a run with a folder read only a projection of its tables
(``sim.metrics.inputs``: payments reduced to the rows the metrics filter for, counted per hour)
and the run's tables come back as files read when asked for (``sim.table_files``). Invariant:
the metrics equal those computed from the whole tables read back, cell for cell."""

from __future__ import annotations

import pandas as pd
import pytest

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.metrics.compute import run_metrics
from sim.metrics.inputs import metric_tables
from sim.metrics.operations import payment_hours
from sim.population.network import network_from_tables
from sim.records import COLUMNS, TABLES
from sim.run import Run, run
from sim.table_files import TableFiles

# firms short of own cash, so that their cash accounts run into daylight overdrafts
SMALL = {
    "population": {"n_end_users": 30},
    "calendar": {"business_days": 4},
    "firms": {"own_liquidity_usd": 1e7},
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small current-default run streamed to a folder, closed: (run, folder)."""
    folder = tmp_path_factory.mktemp("run")
    the_run = Run(build_config(SMALL), 3, folder, {"run_id": "s/0", "seed": 3})
    build_world(the_run)
    the_run.env.run()
    the_run.recorder.close()
    return the_run, folder


def _metrics(tables, the_run) -> pd.DataFrame:
    return run_metrics(
        tables, the_run, network_from_tables(tables["firms"], tables["relationships"])
    )


def test_metrics_from_the_projection_equal_those_from_the_whole_tables(finished):
    the_run, folder = finished
    whole = {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
    inputs = metric_tables(folder, COLUMNS)
    assert 0 < len(inputs["payments"]) < len(whole["payments"])  # some payments left out
    assert "run_id" not in inputs["calls"] and "issued_et" not in inputs["calls"]
    metrics = _metrics(inputs, the_run)
    pd.testing.assert_frame_equal(metrics, _metrics(whole, the_run))
    value = metrics.set_index("metric")["value"]  # the payment metrics are exercised
    for metric in ("daylight_overdraft_peak_usd", "intraday_liquidity_gap_peak_usd"):
        assert value[metric] > 0


def test_hour_counts_from_the_batches_equal_those_of_the_whole_table(finished):
    """payment_hours read by Arrow batches (sim.metrics.inputs) equals the pandas count."""
    _, folder = finished
    whole = payment_hours(pd.read_parquet(folder / "payments.parquet"))
    counted = metric_tables(folder, COLUMNS)["payment_hours"]
    assert counted.sum() == len(pd.read_parquet(folder / "payments.parquet"))
    pd.testing.assert_series_equal(counted.sort_index(), whole.sort_index(), check_names=False)


def test_a_run_with_a_folder_returns_its_tables_as_files(tmp_path):
    """run() with a folder: the tables read on access equal the files, and stay read."""
    result = run(build_config(SMALL), 3, build_world, tmp_path)
    assert isinstance(result.tables, TableFiles) and list(result.tables) == list(TABLES)
    calls = result.tables["calls"]
    pd.testing.assert_frame_equal(calls, pd.read_parquet(tmp_path / "calls.parquet"))
    assert result.tables["calls"] is calls
    with pytest.raises(KeyError):
        result.tables["nope"]
