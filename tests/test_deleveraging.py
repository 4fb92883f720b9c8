"""Deleveraging that raises cash (``liquidation.deleverage: raise_cash``) with price impact
against market depth (``market.impact.model: depth``), in small stressed runs: a replay asked
for without a history runs the market model in its stressed regime (``sim.market.sources``).

Invariants, not regression numbers: a call the customer covered by deleveraging is amended and
paid, never left to default; the impact costs paid are the money that left for the market; and
a sample whose every end user (and firm) is duplicated, at twice the population scale, sells and
pays exactly as the original, user for user, and moves the basis the same.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import Run

SEED = 5
CUSTODIANS = ("bny_like", "statestreet_like")
STRESS = {
    "calendar": {"start": "2020-03-02", "business_days": 8},
    "market": {"replay_from": "2020-03-02", "impact": {"model": "depth"}},
    "liquidation": {"deleverage": "raise_cash"},
    "xm": {"enabled": True},
    # thin buffers (THIN) so that users must sell; everyone answers at once, desks take no time
    # and custodians their median time, so that twins act at the same minutes
    "operations": {
        "user_response_mean_minutes": 1e-9,
        "custodians": {c: {"cash_sigma": 0.0, "securities_sigma": 0.0} for c in CUSTODIANS},
    },
    "firms": {"handling_minutes": 0.0},
}
THIN = {"cash_buffer_multiple": 0.1, "securities_multiple": 0.0, "credit_line_multiple": 0.0}
TYPES = {kind: THIN for kind in ("hedge_fund", "asset_manager", "regional_bank")}


def _finished(the_run: Run) -> dict[str, pd.DataFrame]:
    build_world(the_run)
    the_run.env.run()
    the_run.check_invariants()  # ledger conserved, no account past its limit, no call open
    return the_run.recorder.finish()


def doubled(population):
    """The sample twice over: every firm and every end user with a twin (id + ``b``), the
    twins clearing at the twin firms (firms' pooled accounts and own money stay per firm)."""
    twin_firms = tuple(replace(f, firm_id=f"{f.firm_id}b") for f in population.firms)
    twin_users = tuple(
        replace(
            u,
            user_id=f"{u.user_id}b",
            futures_firm=f"{u.futures_firm}b",
            cash_firm=f"{u.cash_firm}b",
        )
        for u in population.users
    )
    return replace(
        population,
        firms=population.firms + twin_firms,
        users=population.users + twin_users,
    )


def _run(scale: float, twins: bool = False) -> tuple[Run, dict[str, pd.DataFrame]]:
    config = build_config({**STRESS, "population": {"scale": scale, "types": TYPES}})
    the_run = Run(config, SEED)
    if twins:  # the sample of the run at half the scale, twice over
        half = build_config({**STRESS, "population": {"scale": scale / 2, "types": TYPES}})
        the_run.population = doubled(Run(half, SEED).population)
    return the_run, _finished(the_run)


@pytest.fixture(scope="module")
def single():
    return _run(0.01)


def test_a_call_covered_by_deleveraging_is_amended_and_paid(single):
    _, tables = single
    events, calls = tables["events"], tables["calls"].set_index("call_id")
    recomputed = events[events["kind"] == "call_recomputed"]
    assert len(recomputed) > 0  # the stressed run makes some users sell
    ended = calls.loc[recomputed["ref"], "status"]
    assert set(ended) <= {"on_time", "late"}
    sales = events[(events["kind"] == "deleverage_sale")]
    assert ((sales["scale"] > 0) & (sales["scale"] <= 1)).all()


def test_impact_costs_paid_are_the_money_sent_to_the_market(single):
    _, tables = single
    events, payments = tables["events"], tables["payments"]
    costs = events.loc[events["kind"] == "impact_cost", "amount_usd"].sum()
    sent = payments.loc[payments["purpose"] == "impact_cost"]
    assert (sent["dst_account"] == "external").all()
    assert sent["amount_usd"].sum() == pytest.approx(costs, abs=1e-6)
    assert costs > 0


def _by_user(tables: dict[str, pd.DataFrame], kind: str, column: str) -> dict[str, list]:
    events = tables["events"]
    rows = events[events["kind"] == kind]
    return {u: sorted(g[column].round(9)) for u, g in rows.groupby("entity")}


def test_twins_at_twice_the_scale_sell_and_pay_as_the_original(single):
    """Each user's fractions sold and impact costs are those of the original user, for both
    twins; the basis impact path is the same (to float rounding of the day's sums)."""
    one_run, one = single
    two_run, two = _run(0.02, twins=True)
    for kind, column in (("deleverage_sale", "scale"), ("impact_cost", "amount_usd")):
        original, doubled = _by_user(one, kind, column), _by_user(two, kind, column)
        assert original, kind
        for user, values in original.items():
            assert doubled[user] == values and doubled[f"{user}b"] == values, (kind, user)
    np.testing.assert_allclose(
        two_run.feedback.impact_bp, one_run.feedback.impact_bp, rtol=1e-9, atol=1e-12
    )


@pytest.fixture(scope="module")
def closed_out():
    overrides = {**STRESS, "population": {"scale": 0.01, "types": TYPES}}
    overrides["liquidation"] = {"deleverage": "raise_cash", "closeout": "liquidate"}
    return _finished(Run(build_config(overrides), SEED))


def test_every_closeout_settles_its_loss_or_gain_once(closed_out):
    """Each defaulted customer with a book on the closed legs gets one close-out per firm, and
    the money that moved for close-outs is the losses less the gains the events state."""
    events, payments = closed_out["events"], closed_out["payments"]
    closeouts = events[events["kind"] == "closeout"]
    assert len(closeouts) > 0
    assert not closeouts.duplicated(["entity", "ref"]).any()
    defaulted = events.loc[events["kind"] == "customer_default", "counterparty"]
    assert set(closeouts["ref"]) <= set(defaulted)
    paid = payments.groupby("purpose")["amount_usd"].sum()
    losses = closeouts["amount_usd"].clip(lower=0).sum()
    unfunded = events.loc[events["kind"] == "closeout_unfunded", "amount_usd"].sum()
    assert paid.get("closeout_loss", 0.0) == pytest.approx(losses - unfunded, abs=1e-6)
    gains = -closeouts["amount_usd"].clip(upper=0).sum()
    assert paid.get("closeout_gain", 0.0) == pytest.approx(gains, abs=1e-6)


def test_a_closed_out_customer_is_called_no_more_by_its_firm(closed_out):
    """After a customer's default at a firm, that firm issues it no new call (its positions
    there are closed out and its unpaid debt written off)."""
    events, calls = closed_out["events"], closed_out["calls"]
    defaults = events[events["kind"] == "customer_default"]
    first = defaults.groupby(["entity", "counterparty"])["time_min"].min()
    customer = calls[calls["level"] == "customer"]
    for (firm, user), at in first.items():
        later = customer[(customer["payee"] == firm) & (customer["payer"] == user)]
        assert (later["issued_min"] <= at).all(), (firm, user)
