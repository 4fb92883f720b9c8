"""Tests of sim.rng (named streams, common random numbers, replication seeds) and
sim.population (determinism, type shares, the identical-BD-FCM eligibility rule, templates).

Invariants: DESIGN section 3 (a stream's draws depend only on the root seed and its name) and
section 2 (customer XM only when both legs are at one BD-FCM that offers it). Share tolerances
are binomial standard errors, stated where used.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import FirmsConfig, PopulationConfig
from sim.market.instruments import CATALOG
from sim.population.eligibility import is_eligible
from sim.population.population import PAIRS, make_population
from sim.rng import Streams, replication_seeds, stream_key

# --- streams ------------------------------------------------------------------------------------


def test_stream_key_is_crc32():
    """Published CRC-32 check values: '123456789' -> 0xCBF43926; the pangram -> 0x414FA339."""
    assert stream_key("123456789") == 0xCBF43926
    assert stream_key("The quick brown fox jumps over the lazy dog") == 0x414FA339


def test_same_seed_and_name_same_draws():
    a = Streams(7).get("market").standard_normal(20)
    b = Streams(7).get("market").standard_normal(20)
    np.testing.assert_array_equal(a, b)


def test_stream_is_cached_and_continues():
    """get() returns the one generator of a name: a second get continues its sequence."""
    s = Streams(7)
    assert s.get("market") is s.get("market")
    first, second = s.get("market").random(3), s.get("market").random(3)
    np.testing.assert_array_equal(
        np.concatenate([first, second]), Streams(7).get("market").random(6)
    )


def test_stream_draws_do_not_depend_on_other_streams():
    """Common random numbers: creating and drawing from other streams first (in any order) does
    not shift a stream's draws."""
    alone = Streams(11).get("population").random(10)
    s = Streams(11)
    for name in ("market", "ops.latency", "agents.hedge_fund"):
        s.get(name).random(1000)
    np.testing.assert_array_equal(s.get("population").random(10), alone)
    t = Streams(11)
    t.get("zzz").random(5)
    t.get("aaa").random(5)
    np.testing.assert_array_equal(t.get("population").random(10), alone)


def test_different_names_and_seeds_differ():
    s = Streams(7)
    a, b = s.get("market").random(10), s.get("population").random(10)
    assert not np.array_equal(a, b)
    c = Streams(8).get("market").random(10)
    assert not np.array_equal(a, c)


def test_negative_seed_rejected():
    with pytest.raises(ValueError):
        Streams(-1)


def test_replication_seeds_deterministic_distinct_and_prefix_stable():
    """Same root -> same seeds; seeds distinct, 32-bit; asking for more replications keeps the
    first ones (SeedSequence.spawn is sequential), so added replications do not change old ones."""
    seeds = replication_seeds(42, 50)
    assert seeds == replication_seeds(42, 50)
    assert len(set(seeds)) == 50
    assert all(isinstance(x, int) and 0 <= x < 2**32 for x in seeds)
    assert replication_seeds(42, 5) == seeds[:5]
    assert replication_seeds(43, 5) != seeds[:5]


# --- population ---------------------------------------------------------------------------------

N_USERS = 2000


@pytest.fixture(scope="module")
def pop():
    """The default firms (6 BD-FCMs, 4 FCMs, 4 BDs) and end-user types, 2,000 users, seed 1."""
    return make_population(
        PopulationConfig(n_end_users=N_USERS),
        FirmsConfig(),
        Streams(1).get("population"),
        {"bny_like": 0.55, "statestreet_like": 0.45},
    )


def test_population_deterministic_for_a_seed(pop):
    shares = {"bny_like": 0.55, "statestreet_like": 0.45}
    again = make_population(
        PopulationConfig(n_end_users=N_USERS), FirmsConfig(), Streams(1).get("population"), shares
    )
    assert again == pop
    other = make_population(
        PopulationConfig(n_end_users=N_USERS), FirmsConfig(), Streams(2).get("population"), shares
    )
    assert other.users != pop.users


def test_firms(pop):
    """6 + 4 + 4 = 14 firms; round(6 * 0.67) = round(4.02) = 4 BD-FCMs offer XM; only BD-FCMs
    can offer it; Zipf sizes 1/rank within each kind."""
    kinds = [f.kind for f in pop.firms]
    assert (kinds.count("bd_fcm"), kinds.count("fcm"), kinds.count("bd")) == (6, 4, 4)
    assert sum(f.offers_xm for f in pop.firms) == 4
    assert all(f.kind == "bd_fcm" for f in pop.firms if f.offers_xm)
    for kind in ("bd_fcm", "fcm", "bd"):
        sizes = [f.size_weight for f in pop.firms if f.kind == kind]
        assert sizes == pytest.approx([1 / r for r in range(1, len(sizes) + 1)])
    assert pop.custodians == ("bny_like", "statestreet_like")
    share = sum(u.custodian == "bny_like" for u in pop.users) / N_USERS
    assert abs(share - 0.55) < 0.045  # binomial s.e. 0.011 at n = 2,000: about 4 s.e.


def test_type_shares_roughly_respected(pop):
    """Default shares 0.45 / 0.35 / 0.20. Binomial s.e. at n = 2,000 is at most
    sqrt(0.45 * 0.55 / 2000) = 0.011; tolerance 0.045 is about 4 s.e."""
    types = [u.user_type for u in pop.users]
    assert len(types) == N_USERS
    for name, share in (("hedge_fund", 0.45), ("asset_manager", 0.35), ("regional_bank", 0.20)):
        assert abs(types.count(name) / N_USERS - share) < 0.045


def test_relationship_kinds(pop):
    """The futures leg is at an FCM or BD-FCM (a CME member), the cash leg at a BD or BD-FCM."""
    kind = {f.firm_id: f.kind for f in pop.firms}
    for u in pop.users:
        assert kind[u.futures_firm] in ("fcm", "bd_fcm")
        assert kind[u.cash_firm] in ("bd", "bd_fcm")
        assert u.custodian in pop.custodians


def test_xm_eligibility_rule_for_every_user(pop):
    """DESIGN section 2: eligible iff both legs at one firm, that firm is a BD-FCM, and it offers
    customer XM. Checked against an independent reading of the firm list for all 2,000 users;
    both outcomes occur, and all three reasons for ineligibility occur."""
    firms = {f.firm_id: f for f in pop.firms}
    reasons = set()
    for u in pop.users:
        same = u.futures_firm == u.cash_firm
        firm = firms[u.cash_firm]
        expected = same and firm.kind == "bd_fcm" and firm.offers_xm
        assert is_eligible(pop, u, "identical") == expected, u
        if not same:
            reasons.add("different firms")
        elif not firm.offers_xm:
            reasons.add("bd_fcm not offering")
        else:
            reasons.add("eligible")
    assert reasons == {"different firms", "bd_fcm not offering", "eligible"}


def test_portfolio_templates(pop):
    """basis (hedge funds): long cash, short futures; overlay (asset managers): long both;
    hedged_book (banks): long cash, futures short or flat. Pairs come from the template's list;
    futures are whole contracts."""
    template = {"hedge_fund": "basis", "asset_manager": "overlay", "regional_bank": "hedged_book"}
    for u in pop.users:
        (cash_sym, face), (fut_sym, contracts) = u.positions.items()
        assert (cash_sym, fut_sym) in PAIRS[template[u.user_type]]
        assert face > 0
        assert contracts == round(contracts)
        if u.user_type == "hedge_fund":
            assert contracts < 0
        elif u.user_type == "asset_manager":
            assert contracts > 0
        else:
            assert contracts <= 0


def test_basis_portfolio_sizes(pop):
    """Hedge funds: cash DV01 lognormal around the $240k/bp median of sim/population/sizing.py
    (sigma 0.8; s.e. of the log median about 1.25 * 0.8 / sqrt(900) = 0.033, tolerance +-15% ~ 4
    s.e.); futures DV01 / cash DV01 = hedge ratio 1.0 (sd 0.05; tolerance 0.02 on the median ~ 8
    s.e.)."""
    cash_dv01, ratio = [], []
    for u in pop.users:
        if u.user_type != "hedge_fund":
            continue
        (cash_sym, face), (fut_sym, contracts) = u.positions.items()
        c = face * CATALOG[cash_sym].dv01_per_unit
        cash_dv01.append(c)
        ratio.append(-contracts * CATALOG[fut_sym].dv01_per_unit / c)
    assert 0.85 < np.median(cash_dv01) / 240_000 < 1.15
    assert abs(np.median(ratio) - 1.0) < 0.02
