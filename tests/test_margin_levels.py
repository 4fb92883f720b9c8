"""Issue 12 item 5: where CME's 110% is collected, FICC's noon rule, DV01 at the day's yield,
replays' start curve, and the CME levels against CME's quoted figures."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from fake_run import FakeRun, make_book, make_ccp

from agents.worlds.clearing import liquidity_bases
from sim.config import SimConfig
from sim.config.firms import FirmsConfig, customer_multiplier
from sim.config.market import MarketConfig, default_start_curve
from sim.margin.exposure import book_exposures, dv01_scale
from sim.margin.var import liquidity_addon
from sim.market.basis import FAMILIES, BasisParams
from sim.market.history import KEY_TENORS
from sim.market.instruments import dv01_yield_ratio, par_dv01_per_dollar
from sim.market.sources import margin_lookback, start_curve


@pytest.mark.parametrize(
    ("at", "house", "speculative", "expected"),
    [
        ("fcm", 1.0, True, 1.1),  # the FCM collects 110% of maintenance from a speculator
        ("fcm", 1.0, False, 1.0),  # a hedger at maintenance
        ("fcm", 1.25, True, 1.25),  # a house multiplier above 110% is the larger
        ("ccp", 1.0, True, 1.0),  # the 110% already charged at the CCP (before issue 12)
    ],
)
def test_customer_multiplier_by_hand(at, house, speculative, expected):
    """What the firm collects per dollar of CME IM (ratio 1.1), worked out from the rule: the
    house multiplier, at least 1.1 for a speculative customer when the ratio is the FCM's."""
    cfg = FirmsConfig(speculative_multiplier_at=at, house_multiplier=house)
    assert customer_multiplier(cfg, "hedge_fund", speculative, 1.1) == pytest.approx(expected)


def test_default_categories_and_ccp_model_at_maintenance():
    """Defaults (DESIGN.md section 2): hedge funds and asset managers speculative, regional
    banks hedgers; CME's model at maintenance (multiplier 1) when the 110% is the FCM's."""
    cfg = SimConfig()
    kinds = {k: t.cftc_category for k, t in cfg.population.types.items()}
    assert kinds == {
        "hedge_fund": "speculative",
        "asset_manager": "speculative",
        "regional_bank": "hedger",
    }
    assert cfg.firms.speculative_multiplier_at == "fcm"
    assert cfg.cme.var_model(maintenance=True).multiplier == 1.0
    assert cfg.cme.var_model().multiplier == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("rule", "expected_im", "expected_standalone"),
    [
        ("max_start_of_day", [100.0, 80.0], [200.0, 90.0]),  # elementwise max with the close's
        ("previous_close", [60.0, 80.0], [120.0, 90.0]),  # the noon VaR alone (before issue 12)
    ],
)
def test_ficc_noon_requirement_is_at_least_the_start_of_day(rule, expected_im, expected_standalone):
    """FICC's noon requirement = max(start-of-day IM, noon VaR on noon positions), by hand: the
    start-of-day IMs (100, 50) and standalone (200, 50); noon VaRs (60, 80) and (120, 90)."""
    fake = FakeRun({"ficc": {"noon_rule": rule}})
    fake.ledger.open("firm:f1:seg")
    book = make_book([("u1", "f1", "customer", 0.0, 1e3), ("u2", "f1", "customer", 0.0, 1e3)])
    ccp = make_ccp(fake, "ficc", book)
    ccp.floored(True, np.array([100.0, 50.0]), np.array([200.0, 50.0]))
    im, standalone = ccp.floored(False, np.array([60.0, 80.0]), np.array([120.0, 90.0]))
    assert im.tolist() == expected_im
    assert standalone.tolist() == expected_standalone


def test_ten_year_par_dv01_is_about_16_percent_higher_at_1_than_at_4_percent():
    """Closed form, semi-annual par bond: modified duration (1 - (1 + y/2)^-20) / y is
    (1 - 1.005^-20) / 0.01 = 9.4937 at 1% and (1 - 1.02^-20) / 0.04 = 8.1757 at 4%: DV01
    $949.37 and $817.57 per $1m face, a ratio of 1.1612."""
    assert float(par_dv01_per_dollar(10.0, 0.01)) * 1e6 == pytest.approx(949.37, abs=0.01)
    assert float(par_dv01_per_dollar(10.0, 0.04)) * 1e6 == pytest.approx(817.57, abs=0.01)
    assert float(dv01_yield_ratio(10.0, 1.0)) == pytest.approx(1.1612, abs=1e-4)


def test_dv01_scale_is_one_at_the_reference_yield_and_follows_each_tenor():
    """Invariants: at a flat 4% curve (the reference) every column's multiplier is 1; a 1% 10Y
    yield scales the 10Y key column and the 10Y family's basis column by the 1.1612 above."""
    flat = dv01_scale(np.full(5, 4.0))
    assert flat == pytest.approx(np.ones(5 + len(FAMILIES)))
    moved = dv01_scale(np.array([4.0, 4.0, 4.0, 1.0, 4.0]))
    ten, family = 3, 5 + FAMILIES.index("10Y")
    assert moved[ten] == pytest.approx(1.1612, abs=1e-4)
    assert moved[family] == moved[ten]
    assert np.delete(moved, [ten, family]) == pytest.approx(np.ones(3 + len(FAMILIES)))


def test_a_replay_starts_from_the_history_curve_at_the_close_before_it(tmp_path):
    """A made-up two-day history: the close of Fri 31 Jan 2020 (3M 1.55, 2Y 1.31, 5Y 1.32,
    10Y 1.51, 30Y 1.99) is the start curve of a replay from Mon 3 Feb; an explicit
    ``start_curve_pct`` overrides it; a run without replay takes the default curve."""
    header = 'Date,"3 Mo","2 Yr","5 Yr","10 Yr","30 Yr"'
    rows = ["02/03/2020,1.57,1.33,1.34,1.54,2.03", "01/31/2020,1.55,1.31,1.32,1.51,1.99"]
    path = tmp_path / "h.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    replay = MarketConfig(history_file=str(path), replay_from=dt.date(2020, 2, 3))
    assert start_curve(replay).tolist() == [1.55, 1.31, 1.32, 1.51, 1.99]
    own = {"3M": 1.0, "2Y": 2.0, "5Y": 3.0, "10Y": 4.0, "30Y": 5.0}
    assert start_curve(replay.model_copy(update={"start_curve_pct": own})).tolist() == [
        1.0,
        2.0,
        3.0,
        4.0,
        5.0,
    ]
    assert start_curve(MarketConfig()).tolist() == [default_start_curve()[t] for t in KEY_TENORS]


@pytest.mark.parametrize(("symbol", "quoted"), [("TN", 3000.0), ("UB", 6400.0)])
def test_cme_speculative_initial_margin_within_15_percent_of_cme_quoted_levels(symbol, quoted):
    """Published figures (CME, 2024): speculative initial margin per contract $3,000 for TN and
    $6,400 for UB. CME's model (maintenance x 1.1, the default ``cme``) on one contract, median
    over 20 synthetic look-back seeds (key rates and the simulated basis), within 15%."""
    cfg = SimConfig()
    params = BasisParams(**cfg.market.basis.model_dump())
    model = cfg.cme.var_model()
    futures = book_exposures([{symbol: 1.0}]).margin_legs()[0]
    ims = [
        model.requirement(futures, margin_lookback(None, None, cfg.cme.lookback_days, params, s)[0])
        for s in range(20)
    ]
    assert float(np.median(ims)) == pytest.approx(quoted, rel=0.15)


def test_liquidity_addon_by_hand_and_off_by_default():
    """DV01 (dollars per bp) 0, 150,000 and -50,000 on 2Y, 10Y, 30Y; threshold 100,000; cost
    2bp: excess 50,000 on 10Y only, add-on 2 x 50,000 = $100,000. Off (cost 0) by default at
    both CCPs. FICC's model with cost 2bp and threshold 0 on a history without moves: VaR 0,
    floor 1bp x 200,000 = $200,000, add-on 2 x 200,000 = $400,000, in all $600,000."""
    exposure = np.array([[0.0, 0.0, 0.0, 150_000.0, -50_000.0]])
    assert liquidity_addon(exposure, 100_000.0, 2.0).tolist() == [100_000.0]
    cfg = SimConfig()
    assert cfg.cme.liquidity_cost_bp == cfg.ficc.liquidity_cost_bp == 0.0
    model = cfg.ficc.model_copy(update={"liquidity_cost_bp": 2.0}).var_model()
    assert model.requirement(exposure, np.zeros((300, 5)))[0] == pytest.approx(600_000.0)


def test_liquidity_is_sized_on_what_customers_post():
    """One user, CME IM 100 (standalone 200) at the firm's 1.1, FICC IM 50 (standalone 50) at
    1.0: standalone basis 200 x 1.1 + 50 = 270; opening basis 100 x 1.1 + 50 = 160."""
    im = {"cme": np.array([100.0]), "ficc": np.array([50.0]), "sa_cme": np.array([200.0])}
    im |= {"sa_ficc": np.array([50.0]), "ratio_cme": np.array([1.1]), "ratio_ficc": np.ones(1)}
    for basis, expected in (("standalone", 270.0), ("scenario", 160.0)):
        run = SimpleNamespace(
            population=SimpleNamespace(users=[None]),
            config=SimpleNamespace(funding=SimpleNamespace(buffer_basis=basis)),
        )
        bases, standalone = liquidity_bases(run, im)
        assert bases.tolist() == pytest.approx([expected])
        assert standalone.tolist() == pytest.approx([270.0])


@pytest.mark.parametrize(("ccp", "book"), [("cme", {"TY": 1000}), ("ficc", {"UST10Y": 1e8})])
def test_fixed_book_im_rises_in_march_2020_as_published(shared_history, ccp, book):
    """Published figures: IM rose +30% to +90% in March 2020 (FIA about +50% in Q1 2020; ECB:
    clients +55%, clearing members +32%). A fixed outright book at each CCP, margined on the
    Treasury history up to Fri 28 Feb and Tue 31 Mar 2020 (basis seed 0), rises within that
    range: the models respond to the stress, not only positions (FICC's volatility scaling,
    sim.config.ccp)."""
    cfg = SimConfig()
    model = getattr(cfg, ccp).var_model()
    params = BasisParams(**cfg.market.basis.model_dump())
    futures, cash = book_exposures([book]).margin_legs()
    ims = [
        float(model.requirement(futures + cash, margin_lookback(str(shared_history), asof, 2520,
                                                                 params, 0)[0])[0])
        for asof in ("2020-02-28", "2020-03-31")
    ]  # fmt: skip
    assert 1.30 <= ims[1] / ims[0] <= 1.90
