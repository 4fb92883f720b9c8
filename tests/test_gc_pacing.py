"""The collector's pacing during a run (``sim.gc_pacing``): set inside, restored after, also
when the run fails, and without effect on results (the golden and tiny-log tests run with it)."""

from __future__ import annotations

import gc

import pytest

from sim.gc_pacing import RUN_THRESHOLDS, paced_collector


def test_thresholds_set_inside_and_restored_after():
    before = gc.get_threshold()
    with paced_collector():
        assert gc.get_threshold() == RUN_THRESHOLDS
        with paced_collector((1_000, 5, 5)):  # nested: the inner one's, then the outer's again
            assert gc.get_threshold() == (1_000, 5, 5)
        assert gc.get_threshold() == RUN_THRESHOLDS
    assert gc.get_threshold() == before


def test_restored_when_the_decorated_function_raises():
    before = gc.get_threshold()

    @paced_collector()
    def failing_run():
        assert gc.get_threshold() == RUN_THRESHOLDS
        raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError):
        failing_run()
    assert gc.get_threshold() == before


def test_sim_run_is_paced(monkeypatch):
    """``sim.run.run`` runs under the pacing: the thresholds seen while the world is built."""
    import sim.run
    from sim.config import build_config

    seen = []

    def world(the_run):
        seen.append(gc.get_threshold())
        raise RuntimeError("stop after the build")

    cfg = build_config({"calendar": {"business_days": 2}})
    with pytest.raises(RuntimeError):
        sim.run.run(cfg, 1, world)
    assert seen == [RUN_THRESHOLDS]
