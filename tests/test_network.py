"""Tests of sim.population.network: the relationship graph, eligibility on it, concentration (HHI),
exposure to a clearing firm's failure, market shares and GraphML export.

Invariants: DESIGN section 2 (customer XM only through one BD-FCM that offers it under the rule
in force; the relaxed rules of sim.population.eligibility) and section 4 (relationships of end users
with their futures FCM, cash BD and custodian). HHI values are computed by hand in the docstrings.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest

from experiments.files import write_graphml
from sim.config import FirmsConfig, PopulationConfig
from sim.errors import ConfigError
from sim.population import eligibility
from sim.population.network import (
    build_network,
    concentration,
    eligible_users,
    exposure_by_firm,
    exposure_to_failure,
    hhi,
    is_eligible,
    margin_by_firm,
    market_shares,
    shortest_path_lengths,
)
from sim.population.population import EndUserSpec, FirmSpec, Population, make_population
from sim.rng import Streams


def firm(fid: str, kind: str, offers: bool, family: str = "") -> FirmSpec:
    return FirmSpec(fid, kind, offers, 1.0, {}, family)


def user(uid: str, fut: str, cash: str, custodian: str = "cust1") -> EndUserSpec:
    return EndUserSpec(uid, "hedge_fund", fut, cash, custodian, {"UST10Y": 1e6, "TY": -10.0})


FIRMS = (
    firm("A", "bd_fcm", True),  # BD-FCM offering XM
    firm("B", "bd_fcm", False),  # BD-FCM declining XM
    firm("F1", "fcm", True, "g1"),  # F1 + D1: affiliates, both offering
    firm("D1", "bd", True, "g1"),
    firm("F2", "fcm", True),  # F2, D2: unaffiliated, both offering
    firm("D2", "bd", True),
    firm("F3", "fcm", False),  # not offering
    firm("F4", "fcm", True, "g2"),  # F4 + D4: affiliates, D4 not offering
    firm("D4", "bd", False, "g2"),
    firm("F5", "fcm", True),  # no customers
)

USERS = (
    user("same_xm", "A", "A"),
    user("same_no", "B", "B"),
    user("aff", "F1", "D1"),
    user("pair", "F2", "D2"),
    user("pair_no", "F3", "D2"),
    user("aff_no", "F4", "D4", "cust2"),
    user("mixed", "A", "D2", "cust2"),
)
# user id -> eligible under (identical, affiliate, any_pair)
ELIGIBLE = {
    "same_xm": (True, True, True),
    "same_no": (False, False, False),
    "aff": (False, True, True),  # FCM + BD of one family, both offering
    "pair": (False, False, True),  # unaffiliated FCM + BD, both offering
    "pair_no": (False, False, False),  # unaffiliated, the FCM does not offer
    "aff_no": (False, False, False),  # affiliates, the BD does not offer
    "mixed": (False, False, True),  # BD-FCM futures + unaffiliated BD cash
}


@pytest.fixture(scope="module")
def pop() -> Population:
    return Population(FIRMS, USERS, ("cust1", "cust2"))


@pytest.fixture(scope="module")
def graph(pop: Population) -> nx.MultiDiGraph:
    return build_network(pop)


# --- structure --------------------------------------------------------------------------------


def test_node_kinds_and_attributes(graph):
    kinds = dict(graph.nodes(data="kind"))
    assert kinds["cme"] == kinds["ficc"] == "ccp"
    assert kinds["cust1"] == kinds["cust2"] == "custodian"
    assert kinds["A"] == "bd_fcm" and kinds["F1"] == "fcm" and kinds["D1"] == "bd"
    assert sum(k == "end_user" for k in kinds.values()) == len(USERS)
    assert graph.nodes["F1"]["family"] == "g1" and graph.nodes["F2"]["family"] == "F2"
    assert graph.nodes["B"]["offers_xm"] is False
    assert graph.nodes["A"]["spec"] == FIRMS[0]
    assert graph.nodes["aff"]["user_type"] == "hedge_fund"
    assert "im_usd" not in graph.nodes["aff"]


def test_typed_edges(graph):
    assert all(k == d["type"] for _, _, k, d in graph.edges(keys=True, data=True))
    assert set(graph["A"]) == {"cme", "ficc"} and set(graph["F1"]["cme"]) == {"member"}
    assert "ficc" not in graph["F1"] and "cme" not in graph["D1"]
    assert set(graph["same_xm"]["A"]) == {"futures_clearing", "cash_clearing"}
    assert set(graph["mixed"]["A"]) == {"futures_clearing"}
    assert set(graph["mixed"]["D2"]) == {"cash_clearing"}
    assert set(graph["aff_no"]["cust2"]) == {"custody"}
    affiliates = {(u, v) for u, v, k in graph.edges(keys=True) if k == "affiliate"}
    assert affiliates == {("F1", "D1"), ("D1", "F1"), ("F4", "D4"), ("D4", "F4")}
    # members: 2 BD-FCMs x 2 + 8 single firms; users: 3 edges each; affiliates: 4
    assert graph.number_of_edges() == 4 + 8 + 3 * len(USERS) + 4


def test_im_attribute(pop):
    g = build_network(pop, {"aff": 2.5e6})
    assert g.nodes["aff"]["im_usd"] == 2.5e6 and "im_usd" not in g.nodes["pair"]


def test_bad_population_rejected(pop):
    with pytest.raises(ConfigError, match="futures_firm"):
        build_network(Population(FIRMS, (user("x", "D1", "D1"),), ("cust1",)))
    with pytest.raises(ConfigError, match="cash_firm"):
        build_network(Population(FIRMS, (user("x", "A", "nowhere"),), ("cust1",)))
    with pytest.raises(ConfigError, match="custodian"):
        build_network(Population(FIRMS, (user("x", "A", "A", "cust9"),), ("cust1",)))
    with pytest.raises(ConfigError, match="twice"):
        build_network(Population(FIRMS, (user("A", "A", "A"),), ("cust1",)))
    with pytest.raises(ConfigError, match="im_usd"):
        build_network(pop, {"ghost": 1.0})
    with pytest.raises(ConfigError, match="im_usd"):
        build_network(pop, {"aff": -1.0})


# --- eligibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("col, rule", list(enumerate(eligibility.RULES)))
def test_eligibility_per_rule(graph, col, rule):
    for uid, expected in ELIGIBLE.items():
        assert is_eligible(graph, uid, rule) is expected[col], (uid, rule)
    assert eligible_users(graph, rule) == {uid for uid, e in ELIGIBLE.items() if e[col]}


def test_eligibility_matches_population_rules(pop, graph):
    for rule in eligibility.RULES:
        for u in pop.users:
            assert is_eligible(graph, u.user_id, rule) is eligibility.is_eligible(pop, u, rule)


def test_generated_population_agrees():
    p = make_population(
        PopulationConfig(n_end_users=200),
        FirmsConfig(),
        Streams(3).get("population"),
        {"c1": 0.5, "c2": 0.5},
        Streams(3).get("affiliation"),
    )
    g = build_network(p)
    for rule in eligibility.RULES:
        expected = {u.user_id for u in p.users if eligibility.is_eligible(p, u, rule)}
        assert eligible_users(g, rule) == expected
    assert eligible_users(g, "identical") <= eligible_users(g, "affiliate")
    assert eligible_users(g, "affiliate") <= eligible_users(g, "any_pair")


def test_unknown_rule(graph):
    with pytest.raises(ValueError, match="rule"):
        is_eligible(graph, "aff", "sibling")


# --- concentration ----------------------------------------------------------------------------


def test_hhi_by_hand():
    """50/30/20 percent -> 2500 + 900 + 400 = 3800, whatever the units of the shares."""
    assert hhi([50, 30, 20]) == pytest.approx(3800)
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(3800)
    assert hhi({"a": 5.0, "b": 3.0, "c": 2.0, "d": 0.0}) == pytest.approx(3800)
    assert hhi([7.0]) == pytest.approx(10_000)
    assert hhi([1, 1, 1, 1]) == pytest.approx(2500)
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            hhi(bad)


def test_concentration_by_hand(graph):
    """Futures: A 2 users, B/F1/F2/F3/F4 1 each, F5 0 of 7 -> (4 + 5) / 49 x 10,000.
    Cash: D2 3 users, A/B/D1/D4 1 each of 7 -> (9 + 4) / 49 x 10,000."""
    c = concentration(graph)
    assert c["hhi_end_users_futures"] == pytest.approx(9 / 49 * 10_000)
    assert c["hhi_end_users_cash"] == pytest.approx(13 / 49 * 10_000)
    assert "hhi_margin" not in c


def test_margin_concentration_by_hand():
    """same_xm's $300 all at A; pair's $100 half at F2, half at D2 -> 75/12.5/12.5 percent:
    5625 + 156.25 + 156.25 = 5937.5."""
    p = Population(FIRMS, (user("same_xm", "A", "A"), user("pair", "F2", "D2")), ("cust1",))
    g = build_network(p, {"same_xm": 300.0, "pair": 100.0})
    by_firm = margin_by_firm(g)
    assert (by_firm["A"], by_firm["F2"], by_firm["D2"], by_firm["B"]) == (300, 50, 50, 0)
    assert concentration(g)["hhi_margin"] == pytest.approx(5937.5)


def test_market_shares(graph):
    fut, cash = market_shares(graph, "futures"), market_shares(graph, "cash")
    assert math.fsum(fut.values()) == pytest.approx(1) and math.fsum(
        cash.values()
    ) == pytest.approx(1)
    assert set(fut) == {"A", "B", "F1", "F2", "F3", "F4", "F5"}
    assert set(cash) == {"A", "B", "D1", "D2", "D4"}
    assert fut["A"] == pytest.approx(2 / 7) and fut["F5"] == 0.0
    assert cash["D2"] == pytest.approx(3 / 7)
    assert hhi(fut) == pytest.approx(concentration(graph)["hhi_end_users_futures"])
    with pytest.raises(ValueError, match="leg"):
        market_shares(graph, "repo")


# --- exposure ---------------------------------------------------------------------------------


def test_failing_bd_fcm_cuts_both_ccps(graph):
    """A clears both legs of same_xm and the futures leg of mixed."""
    assert exposure_to_failure(graph, "A") == {"cme": ["mixed", "same_xm"], "ficc": ["same_xm"]}


def test_failing_fcm_cuts_only_futures(graph):
    assert exposure_to_failure(graph, "F2") == {"cme": ["pair"], "ficc": []}
    assert exposure_to_failure(graph, "F5") == {"cme": [], "ficc": []}


def test_failing_bd_cuts_only_cash_even_with_a_bd_fcm_on_the_other_leg(graph):
    """mixed's futures BD-FCM A is a FICC member, but A does not clear mixed's cash leg; nor does
    the affiliate F1 clear for D1."""
    assert exposure_to_failure(graph, "D2") == {"cme": [], "ficc": ["mixed", "pair", "pair_no"]}
    assert exposure_to_failure(graph, "D1") == {"cme": [], "ficc": ["aff"]}


def test_exposure_rejects_non_firms(graph):
    for node in ("cme", "cust1", "aff", "nobody"):
        with pytest.raises(ValueError, match="clearing firm"):
            exposure_to_failure(graph, node)


def test_shortest_path_lengths(graph):
    assert shortest_path_lengths(graph, "mixed") == {"cme": 2, "ficc": 2}
    without_a = nx.restricted_view(graph, ["A"], [])
    assert shortest_path_lengths(without_a, "mixed") == {"ficc": 2}
    assert shortest_path_lengths(without_a, "same_xm") == {}


# --- GraphML ----------------------------------------------------------------------------------


def test_graphml_round_trip(pop, tmp_path):
    g = build_network(pop, {"aff": 2.5e6})
    out = write_graphml(g, tmp_path / "sub" / "network.graphml")
    assert [p.name for p in out.parent.iterdir()] == ["network.graphml"]  # no temp file left
    back = nx.read_graphml(out)
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    assert all("spec" not in d for _, d in back.nodes(data=True))
    assert back.nodes["A"]["offers_xm"] is True and back.nodes["aff"]["im_usd"] == 2.5e6
    assert g.nodes["A"]["spec"] == FIRMS[0]  # the original graph is untouched
    for rule in eligibility.RULES:  # eligibility from scalar attributes alone
        assert eligible_users(back, rule) == eligible_users(g, rule)
    assert exposure_to_failure(back, "A") == exposure_to_failure(g, "A")


def test_graphml_overwrite_is_atomic(pop, tmp_path):
    path = tmp_path / "n.graphml"
    write_graphml(build_network(pop), path)
    small = Population(FIRMS, (user("solo", "A", "A"),), ("cust1",))
    write_graphml(build_network(small), path)
    assert nx.read_graphml(path).number_of_nodes() == 2 + len(FIRMS) + 1 + 1
    assert [p.name for p in tmp_path.iterdir()] == ["n.graphml"]


def test_exposure_by_firm_matches_one_at_a_time(graph):
    by_firm = exposure_by_firm(graph)
    assert set(by_firm) == {f.firm_id for f in FIRMS}
    for f in FIRMS:
        assert by_firm[f.firm_id] == exposure_to_failure(graph, f.firm_id)
