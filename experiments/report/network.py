"""The relationship network figure: CCPs, clearing firms and end users (grouped by type) from a
run's ``network.graphml``, edge widths proportional to the end users on each relationship."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
from matplotlib.figure import Figure

KIND_COLOUR = {
    "ccp": "#8c2d04",
    "bd_fcm": "#2171b5",
    "fcm": "#6baed6",
    "bd": "#9ecae1",
    "end_user": "#74c476",
}


def _aggregate(graph: nx.MultiDiGraph) -> tuple[nx.Graph, dict[str, int]]:
    """Firms and CCPs as they are, end users collapsed into one node per type; edge weight =
    end users (clearing) or 1 (membership); node size = end users served or represented."""
    agg, served = nx.Graph(), Counter()
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        if kind in ("ccp", "bd_fcm", "fcm", "bd"):
            agg.add_node(node, kind=kind)
    for u, v, data in graph.edges(data=True):
        kind = data.get("type")
        if kind == "member":
            agg.add_edge(u, v, weight=1.0)
        elif kind in ("futures_clearing", "cash_clearing"):
            group = f"{graph.nodes[u].get('user_type', 'end user')}"
            agg.add_node(group, kind="end_user")
            weight = agg.get_edge_data(group, v, {}).get("weight", 0.0)
            agg.add_edge(group, v, weight=weight + 1.0)
            served[v] += 1
            served[group] += 1
    return agg, served


def network_figure(path: Path) -> Figure | None:
    """The figure of the network in ``path`` (GraphML), or ``None`` if it is absent."""
    if not Path(path).is_file():
        return None
    agg, served = _aggregate(nx.read_graphml(path))
    layers = {"ccp": 0, "bd_fcm": 1, "fcm": 1, "bd": 1, "end_user": 2}
    for _, data in agg.nodes(data=True):
        data["layer"] = layers[data["kind"]]
    pos = nx.multipartite_layout(agg, subset_key="layer", align="horizontal")
    fig = Figure(figsize=(11.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    widths = [
        0.3 + 6.0 * d["weight"] / max(served.values() or [1]) for *_, d in agg.edges(data=True)
    ]
    nx.draw_networkx_edges(agg, pos, ax=ax, width=widths, edge_color="#bbbbbb")
    colours = [KIND_COLOUR[d["kind"]] for _, d in agg.nodes(data=True)]
    sizes = [200 + 4000 * served[n] / max(served.values() or [1]) for n in agg.nodes]
    nx.draw_networkx_nodes(agg, pos, ax=ax, node_color=colours, node_size=sizes)
    nx.draw_networkx_labels(agg, pos, ax=ax, font_size=7)
    ax.set_title("Relationship network: end users by type (top), clearing firms, CCPs (bottom)")
    ax.axis("off")
    return fig
