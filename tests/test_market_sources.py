"""Where a run's market comes from: synthetic, forced-stress replay, real replay, real look-back."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.config import MarketConfig
from sim.errors import ConfigError
from sim.market.calibration import stress_labels
from sim.market.history import complete_changes
from sim.market.path import build_market
from sim.market.sources import history_regimes
from sim.rng import Streams

START = dt.date(2020, 2, 3)


def _market(n_days: int = 20, **fields):
    cfg = MarketConfig(lookback_days=300, **fields)
    return build_market(cfg, n_days, START, Streams(5).get)


def test_replay_without_history_runs_the_stressed_regime_and_says_so():
    market = _market(replay_from=START)
    assert (market.regimes[market.lookback_days :] == 1).all()
    assert "stressed regime" in market.source and "without a history file" in market.source


def test_replay_of_real_history_is_exactly_the_file(shared_history):
    """Run day i is the i-th complete day from 2020-02-03 (60 days, to late April); the
    look-back the 300 days before it."""
    market = _market(60, history_file=str(shared_history), replay_from=START)
    frame = complete_changes(str(shared_history))
    i = int((frame.index < "2020-02-03").sum())
    np.testing.assert_array_equal(market.changes_bp, frame.to_numpy()[i - 300 : i + 60])
    assert "replay 2020-02-03" in market.source
    # March 2020 is labelled stressed by the calibration's rule (trailing 21-day volatility)
    assert market.regimes[market.lookback_days :].max() == 1


def test_replay_beyond_the_file_is_bad_input(shared_history):
    """The file ends on 2021-12-31: 20 days from 2021-12-20 run past it."""
    with pytest.raises(ConfigError, match=r"market\.history_file"):
        _market(history_file=str(shared_history), replay_from=dt.date(2021, 12, 20))


def test_real_lookback_then_model_days(shared_history):
    market = _market(history_file=str(shared_history))
    frame = complete_changes(str(shared_history))
    np.testing.assert_array_equal(market.history(-1), frame.to_numpy()[-300:])
    assert "then 20 days from the model" in market.source


def test_intraday_marks_and_basis_shapes_and_bridge_end():
    """Marks at 15:00 ET (the futures settlement, the end of the bridge's day) equal the close."""
    market = _market(intraday_clocks=["12:00", "15:00"])
    assert market.intraday_bp.shape == (20, 2, 5) and market.basis_bp.shape == (20, 4)
    for day in range(20):
        np.testing.assert_allclose(market.intraday(day, "15:00"), market.change(day))


def test_changing_the_basis_model_keeps_the_closes():
    """Common random numbers: the basis has its own stream, so its parameters do not move the
    yield path."""
    a = _market()
    b = _market(basis={"vol_calm_bp": 1.0})
    np.testing.assert_array_equal(a.changes_bp, b.changes_bp)
    np.testing.assert_array_equal(a.intraday_bp, b.intraday_bp)
    assert not np.array_equal(a.basis_bp, b.basis_bp)


def test_a_history_days_regime_ignores_later_days(shared_history):
    """A day's label uses that day and the days before it: tripling every change after 31 March
    2020 leaves the labels up to it unchanged, where the whole-file percentile of the
    calibration's ``stress_labels`` moves them (it looks ahead)."""
    frame = complete_changes(str(shared_history))
    t = int((frame.index <= "2020-03-31").sum())
    altered = frame.copy()
    altered.iloc[t:] *= 3.0
    np.testing.assert_array_equal(history_regimes(frame)[:t], history_regimes(altered)[:t])
    assert not np.array_equal(stress_labels(frame)[:t], stress_labels(altered)[:t])


def test_a_replays_run_day_regimes_ignore_later_yields(shared_history, tmp_path):
    """The replayed run days up to 31 March 2020 keep their regimes when every later yield of
    the file is moved by a zigzag of 50bp (the file is newest first)."""
    lines = shared_history.read_text().splitlines()
    later = [
        i for i, line in enumerate(lines[1:], 1) if line[6:10] + line[:2] + line[3:5] > "20200331"
    ]
    for k, i in enumerate(later):
        date, *ylds = lines[i].split(",")
        lines[i] = ",".join([date] + [f"{float(y) + 0.5 * (k % 2):.2f}" if y else y for y in ylds])
    altered = tmp_path / "altered.csv"
    altered.write_text("\n".join(lines) + "\n")
    a = _market(60, history_file=str(shared_history), replay_from=START)
    b = _market(60, history_file=str(altered), replay_from=START)
    days = complete_changes(str(shared_history)).index
    march = int(((days >= "2020-02-03") & (days <= "2020-03-31")).sum())  # run days to 31 Mar
    run_a, run_b = a.regimes[a.lookback_days :], b.regimes[b.lookback_days :]
    np.testing.assert_array_equal(run_a[:march], run_b[:march])
    assert run_a[:march].max() == 1  # March 2020 is stressed
