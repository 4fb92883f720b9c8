"""The relationship network of a population: CCPs, clearing firms, custodians and end users.

A ``networkx.MultiDiGraph`` whose edge key is the edge type (also stored as attribute ``type``):

- ``member``: firm -> CCP (a BD-FCM to ``cme`` and ``ficc``, an FCM to ``cme``, a BD to ``ficc``);
- ``futures_clearing`` / ``cash_clearing``: end user -> the firm that clears that leg (a BD-FCM
  holding both legs of a user gets both edges);
- ``custody``: end user -> custodian;
- ``affiliate``: firm <-> firm, both directions, for firms of one corporate family.

Firm nodes keep their ``FirmSpec`` as attribute ``spec`` (and user nodes their ``EndUserSpec``)
so that eligibility calls ``sim.population.eligibility.eligible_pair`` and never re-implements the
rules.

Clearing paths are leg-specific: an end user reaches ``cme`` only through its futures-clearing
edge and ``ficc`` only through its cash-clearing edge, then a ``member`` edge. Custody and
affiliate edges are not clearing paths: a futures BD-FCM that is also a FICC member does not
clear the user's cash leg, and an affiliate does not clear for its sister firm.

Money is in US dollars (``im_usd``); shares are fractions summing to 1; the Herfindahl-Hirschman
index is on the 0-10,000 scale (shares in percent, squared, summed).
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from sim.errors import ConfigError
from sim.population.eligibility import CME_MEMBERS, FICC_MEMBERS, RULES, eligible_pair
from sim.population.population import EndUserSpec, FirmSpec, Population

CCPS = ("cme", "ficc")
MEMBERSHIPS = {"bd_fcm": CCPS, "fcm": ("cme",), "bd": ("ficc",)}
LEGS = ("futures", "cash")
LEG_EDGE = {"futures": "futures_clearing", "cash": "cash_clearing"}
CCP_LEG = {"cme": "futures", "ficc": "cash"}
LEG_MEMBERS = {"futures": CME_MEMBERS, "cash": FICC_MEMBERS}
SCALARS = (str, int, float, bool)


# --- building ---------------------------------------------------------------------------------


def _check_ids(population: Population) -> None:
    """Node ids must be unique across CCPs, firms, custodians and end users."""
    ids = [
        *CCPS,
        *(f.firm_id for f in population.firms),
        *population.custodians,
        *(u.user_id for u in population.users),
    ]
    dupes = sorted(k for k, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ConfigError(f"population: node ids used twice: {dupes}")


def _check_user(population: Population, user: EndUserSpec, kinds: dict[str, str]) -> None:
    """A user's legs must sit at firms that are members of the leg's CCP, at a known custodian."""
    for leg, firm in (("futures", user.futures_firm), ("cash", user.cash_firm)):
        if kinds.get(firm) not in LEG_MEMBERS[leg]:
            raise ConfigError(
                f"end user {user.user_id}: {leg}_firm {firm!r} is not a known firm of kind "
                f"{' or '.join(LEG_MEMBERS[leg])}"
            )
    if user.custodian not in population.custodians:
        raise ConfigError(f"end user {user.user_id}: unknown custodian {user.custodian!r}")


def _add_edge(graph: nx.MultiDiGraph, src: str, dst: str, etype: str) -> None:
    graph.add_edge(src, dst, key=etype, type=etype)


def _add_firms(graph: nx.MultiDiGraph, firms: Iterable[FirmSpec]) -> None:
    """Firm nodes, their ``member`` edges, and ``affiliate`` edges within each family."""
    firms = list(firms)
    for f in firms:
        if f.kind not in MEMBERSHIPS:
            raise ConfigError(f"firm {f.firm_id}: kind {f.kind!r}, allowed {sorted(MEMBERSHIPS)}")
        graph.add_node(
            f.firm_id,
            kind=f.kind,
            offers_xm=f.offers_xm,
            family=f.family_id,
            size_weight=float(f.size_weight),
            spec=f,
        )
        for ccp in MEMBERSHIPS[f.kind]:
            _add_edge(graph, f.firm_id, ccp, "member")
    families: dict[str, list[str]] = {}
    for f in firms:
        families.setdefault(f.family_id, []).append(f.firm_id)
    for members in families.values():
        for a, b in itertools.permutations(members, 2):
            _add_edge(graph, a, b, "affiliate")


def _add_users(graph: nx.MultiDiGraph, population: Population) -> None:
    """End-user nodes with their clearing and custody edges."""
    kinds = {f.firm_id: f.kind for f in population.firms}
    for u in population.users:
        _check_user(population, u, kinds)
        graph.add_node(u.user_id, kind="end_user", user_type=u.user_type, spec=u)
        _add_edge(graph, u.user_id, u.futures_firm, "futures_clearing")
        _add_edge(graph, u.user_id, u.cash_firm, "cash_clearing")
        _add_edge(graph, u.user_id, u.custodian, "custody")


def build_network(
    population: Population, im_usd: dict[str, float] | None = None
) -> nx.MultiDiGraph:
    """The relationship graph of ``population`` (see the module docstring); ``im_usd`` maps end
    user ids to their initial margin in dollars (both legs), stored as node attribute ``im_usd``.
    Raises ``ConfigError`` on duplicate ids, unknown firms or custodians, or a leg at a firm that
    is not a member of that leg's CCP."""
    _check_ids(population)
    graph = nx.MultiDiGraph()
    for ccp in CCPS:
        graph.add_node(ccp, kind="ccp")
    _add_firms(graph, population.firms)
    for c in population.custodians:
        graph.add_node(c, kind="custodian")
    _add_users(graph, population)
    set_margin(graph, im_usd or {})
    return graph


def network_from_tables(firms: pd.DataFrame, relationships: pd.DataFrame) -> nx.MultiDiGraph:
    """The relationship graph of a run from its ``firms`` and ``relationships`` tables
    (``sim.records``); specs rebuilt from the tables carry no positions."""
    specs = tuple(
        FirmSpec(r.firm, r.kind, bool(r.offers_xm), float(r.size_weight), {}, r.family)
        for r in firms.itertuples(index=False)
    )
    legs = relationships.pivot(index="user", columns="leg", values="firm")
    first = relationships.drop_duplicates("user").set_index("user")
    users = tuple(
        EndUserSpec(
            u,
            first.at[u, "user_type"],
            legs.at[u, "futures"],
            legs.at[u, "cash"],
            first.at[u, "custodian"],
            {},
        )
        for u in first.index
    )
    custodians = tuple(dict.fromkeys(first["custodian"]))
    return build_network(Population(specs, users, custodians))


def set_margin(graph: nx.MultiDiGraph, im_usd: Mapping[str, float]) -> None:
    """Store each end user's initial margin (dollars, both legs) as node attribute ``im_usd``;
    ``ConfigError`` for unknown users or values that are not finite and >= 0."""
    users = set(end_users(graph))
    unknown = sorted(set(im_usd) - users)
    if unknown:
        raise ConfigError(f"im_usd: not end users of the population: {unknown[:5]}")
    bad = sorted(k for k, v in im_usd.items() if not (math.isfinite(v) and v >= 0))
    if bad:
        raise ConfigError(f"im_usd: values must be finite and >= 0 dollars, not for {bad[:5]}")
    for user, im in im_usd.items():
        graph.nodes[user]["im_usd"] = float(im)


# --- queries ----------------------------------------------------------------------------------


def _nodes_of_kind(graph: nx.MultiDiGraph, kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    return [n for n, k in graph.nodes(data="kind") if k in wanted]


def end_users(graph: nx.MultiDiGraph) -> list[str]:
    """Ids of the end-user nodes, in insertion order."""
    return _nodes_of_kind(graph, ("end_user",))


def leg_firm(graph: nx.MultiDiGraph, user: str, leg: str) -> str:
    """The firm clearing ``user``'s ``leg`` (``futures`` or ``cash``)."""
    etype = LEG_EDGE[_check_leg(leg)]
    firms = [v for _, v, k in graph.out_edges(user, keys=True) if k == etype]
    if len(firms) != 1:
        raise ValueError(f"end user {user!r}: expected one {etype} edge, found {len(firms)}")
    return firms[0]


def _check_leg(leg: str) -> str:
    if leg not in LEGS:
        raise ValueError(f"leg {leg!r}: allowed {list(LEGS)}")
    return leg


def _firm_spec(graph: nx.MultiDiGraph, firm: str) -> FirmSpec:
    """The node's ``FirmSpec``, or one rebuilt from scalar attributes (a graph read back from
    GraphML has no ``spec``); ``house_positions`` is then empty (eligibility does not use it)."""
    data = graph.nodes[firm]
    if isinstance(data.get("spec"), FirmSpec):
        return data["spec"]
    return FirmSpec(
        firm_id=str(firm),
        kind=data["kind"],
        offers_xm=bool(data["offers_xm"]),
        size_weight=float(data["size_weight"]),
        house_positions={},
        family=data.get("family", ""),
    )


def is_eligible(graph: nx.MultiDiGraph, user: str, rule: str = "identical") -> bool:
    """Whether end user ``user`` may cross-margin under ``rule`` (one of
    ``sim.population.eligibility.RULES``) given the firms its futures and cash legs clear
    through."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r}: allowed {list(RULES)}")
    fut = _firm_spec(graph, leg_firm(graph, user, "futures"))
    cash = _firm_spec(graph, leg_firm(graph, user, "cash"))
    return eligible_pair(rule, fut, cash)


def eligible_users(graph: nx.MultiDiGraph, rule: str = "identical") -> set[str]:
    """The end users that may cross-margin under ``rule``."""
    return {u for u in end_users(graph) if is_eligible(graph, u, rule)}


# --- concentration ----------------------------------------------------------------------------


def hhi(shares: Iterable[float] | Mapping[Any, float]) -> float:
    """Herfindahl-Hirschman index, 0-10,000: ``shares`` (counts, dollars or fractions; a mapping
    uses its values) are normalised to sum 1, turned into percent, squared and summed. Raises
    ``ValueError`` for negative shares or a total that is not positive."""
    values = list(shares.values() if isinstance(shares, Mapping) else shares)
    if any(v < 0 for v in values):
        raise ValueError("hhi: shares must be >= 0")
    total = math.fsum(values)
    if not total > 0:
        raise ValueError("hhi: shares must have a positive total")
    # at most 10,000 (one holder) also in floating point: 100 v / total may round above 100
    return min(math.fsum((100.0 * v / total) ** 2 for v in values), 10_000.0)


def _leg_counts(graph: nx.MultiDiGraph, leg: str) -> dict[str, float]:
    """End users per firm on ``leg``, every member firm of the leg's CCP listed (0 if none)."""
    counts = dict.fromkeys(_nodes_of_kind(graph, LEG_MEMBERS[_check_leg(leg)]), 0.0)
    for u in end_users(graph):
        counts[leg_firm(graph, u, leg)] += 1.0
    return counts


def market_shares(graph: nx.MultiDiGraph, leg: str) -> dict[str, float]:
    """Share of end users (fraction, sums to 1) clearing ``leg`` (``futures`` or ``cash``) at each
    firm that is a member of that leg's CCP; firms without such users have 0. All 0 when the
    graph has no end users."""
    counts = _leg_counts(graph, leg)
    total = sum(counts.values())
    return {f: (c / total if total else 0.0) for f, c in counts.items()}


def margin_by_firm(graph: nx.MultiDiGraph) -> dict[str, float]:
    """Customer IM in dollars per clearing firm, both legs, from users' ``im_usd``. A user's IM is
    one number for both legs: it goes whole to a firm holding both legs and half to each firm
    when the legs are at two firms. Users without ``im_usd`` count nothing."""
    out = dict.fromkeys(_nodes_of_kind(graph, MEMBERSHIPS), 0.0)
    for u in end_users(graph):
        im = graph.nodes[u].get("im_usd")
        if im is None:
            continue
        for leg in LEGS:
            out[leg_firm(graph, u, leg)] += 0.5 * float(im)
    return out


def _hhi_or_nan(shares: Mapping[str, float]) -> float:
    return hhi(shares) if sum(shares.values()) > 0 else math.nan


def concentration(graph: nx.MultiDiGraph) -> dict[str, float]:
    """HHI (0-10,000) of end users per clearing firm on each leg (``hhi_end_users_futures``,
    ``hhi_end_users_cash``) and, when any user has ``im_usd``, of customer IM per firm on both
    legs (``hhi_margin``, see ``margin_by_firm``). NaN where there is nothing to share."""
    out = {f"hhi_end_users_{leg}": _hhi_or_nan(_leg_counts(graph, leg)) for leg in LEGS}
    if any("im_usd" in graph.nodes[u] for u in end_users(graph)):
        out["hhi_margin"] = _hhi_or_nan(margin_by_firm(graph))
    return out


# --- exposure to a firm failure ---------------------------------------------------------------


def _clears_to(ccp: str) -> Callable[[str, str, str], bool]:
    """Edge filter ``(u, v, key)`` keeping the edges that clear towards ``ccp``: the users' edges
    of that CCP's leg and the firms' ``member`` edges to it."""
    if ccp not in CCPS:
        raise ValueError(f"ccp {ccp!r}: allowed {list(CCPS)}")
    leg_edge = LEG_EDGE[CCP_LEG[ccp]]

    def keep(u: str, v: str, key: str) -> bool:
        return key == leg_edge or (key == "member" and v == ccp)

    return keep


def clearing_view(graph: nx.MultiDiGraph, ccp: str) -> nx.MultiDiGraph:
    """Read-only view of ``graph`` with only the edges that clear towards ``ccp``."""
    return nx.subgraph_view(graph, filter_edge=_clears_to(ccp))


def clearing_graph(graph: nx.MultiDiGraph, ccp: str) -> nx.DiGraph:
    """A plain, attribute-free ``DiGraph`` of ``clearing_view(graph, ccp)``'s edges (so only the
    nodes on some clearing path towards ``ccp``): fast to search and safe to mutate."""
    keep = _clears_to(ccp)
    return nx.DiGraph((u, v) for u, v, k in graph.edges(keys=True) if keep(u, v, k))


def shortest_path_lengths(graph: nx.MultiDiGraph, user: str) -> dict[str, int]:
    """Hops from ``user`` to each CCP along its clearing path (2 for user -> firm -> CCP); a CCP
    the user cannot reach is left out."""
    out = {}
    for ccp in CCPS:
        with contextlib.suppress(nx.NetworkXNoPath):
            out[ccp] = nx.shortest_path_length(clearing_view(graph, ccp), user, ccp)
    return out


def _reaching_users(graph: nx.MultiDiGraph, clearing: nx.DiGraph, ccp: str) -> set[str]:
    """End users (kinds read from ``graph``) with a path to ``ccp`` in ``clearing``."""
    if ccp not in clearing:
        return set()
    return {n for n in nx.ancestors(clearing, ccp) if graph.nodes[n].get("kind") == "end_user"}


def _cut_off(graph: nx.MultiDiGraph, clearing: nx.DiGraph, ccp: str, firm: str) -> list[str]:
    """End users (sorted) that reach ``ccp`` in ``clearing`` but not once ``firm`` is removed;
    ``clearing`` is restored before returning."""
    if firm not in clearing:
        return []
    before = _reaching_users(graph, clearing, ccp)
    edges = [*clearing.in_edges(firm), *clearing.out_edges(firm)]
    clearing.remove_node(firm)
    try:
        return sorted(before - _reaching_users(graph, clearing, ccp))
    finally:
        clearing.add_edges_from(edges)


def _check_firm(graph: nx.MultiDiGraph, firm: str) -> None:
    if graph.nodes.get(firm, {}).get("kind") not in MEMBERSHIPS:
        raise ValueError(f"{firm!r} is not a clearing firm of the graph")


def exposure_to_failure(graph: nx.MultiDiGraph, firm: str) -> dict[str, list[str]]:
    """For each CCP, the end users (sorted ids) that had a clearing path to it and have none once
    clearing firm ``firm`` is removed: a failed BD-FCM cuts its users from both CCPs, an FCM only
    from ``cme``, a BD only from ``ficc``."""
    _check_firm(graph, firm)
    return {ccp: _cut_off(graph, clearing_graph(graph, ccp), ccp, firm) for ccp in CCPS}


def exposure_by_firm(graph: nx.MultiDiGraph) -> dict[str, dict[str, list[str]]]:
    """``exposure_to_failure`` for every clearing firm, building each CCP's clearing graph once."""
    firms = _nodes_of_kind(graph, MEMBERSHIPS)
    clearing = {ccp: clearing_graph(graph, ccp) for ccp in CCPS}
    return {f: {c: _cut_off(graph, clearing[c], c, f) for c in CCPS} for f in firms}
