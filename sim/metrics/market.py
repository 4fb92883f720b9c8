"""Market metrics of one run: how much end users deleveraged and the basis path with the
population's price impact (``sim.market.feedback``).

- ``deleveraged_share`` per end-user type: cash face sold in deleveraging (``deleverage_sale``
  events) over the type's cash face at the start (after any re-use of freed margin). Both legs
  of a book are sold in proportion, so for a basis book this is also the share of its gross
  Treasury exposure, the quantity Form PF reports (hedge funds cut gross Treasury exposure by
  about 18% in March 2020: FEDS Note, 6 Oct 2021).
- ``basis_bp`` per futures family and day: the futures-cash basis at the close (bp, impact
  included; positive: futures cheapen against cash); ``basis_impact_bp`` its part from the
  population's trades. Run level: ``basis_impact_min_bp``, the most negative impact (the
  widest forced-selling dislocation) per family.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.market.basis import FAMILIES
from sim.market.instruments import CATALOG

Row = tuple[str, str, float]
DatedRow = tuple[object, str, str, float]


def start_cash_face(run, events: pd.DataFrame) -> dict[str, float]:
    """Cash face (USD) per end-user type at the start: the population's books, times each
    user's re-use scale (``scale_up`` events)."""
    ups = events[events["kind"] == "scale_up"].set_index("entity")["scale"].to_dict()
    faces: dict[str, float] = {}
    for u in run.population.users:
        face = sum(q for s, q in u.positions.items() if CATALOG[s].side == "cash")
        faces[u.user_type] = faces.get(u.user_type, 0.0) + abs(face) * ups.get(u.user_id, 1.0)
    return faces


def deleveraged_share_rows(run, events: pd.DataFrame) -> list[Row]:
    """``deleveraged_share`` per end-user type with any cash face (0 when nothing was sold)."""
    faces = start_cash_face(run, events)
    types = {u.user_id: u.user_type for u in run.population.users}
    sales = events[events["kind"] == "deleverage_sale"]
    sold = sales["face_usd"].groupby(sales["entity"].map(types)).sum()
    return [
        ("deleveraged_share", kind, min(float(sold.get(kind, 0.0)) / face, 1.0))
        for kind, face in sorted(faces.items())
        if face > 0
    ]


def basis_rows(run) -> tuple[list[Row], list[DatedRow]]:
    """Run-level ``basis_impact_min_bp`` and daily ``basis_bp`` / ``basis_impact_bp`` per
    family."""
    fb, days = run.feedback, run.calendar.days[: run.calendar.n_days]
    impact = fb.impact_bp[: len(days)]
    level = fb.basis_bp[: len(days)] + impact
    dated: list[DatedRow] = []
    for j, family in enumerate(FAMILIES):
        dated += [(d, family, "basis_bp", float(v)) for d, v in zip(days, level[:, j], strict=True)]
        dated += [
            (d, family, "basis_impact_bp", float(v))
            for d, v in zip(days, impact[:, j], strict=True)
        ]
    worst = np.minimum(impact.min(axis=0), 0.0) if len(impact) else np.zeros(len(FAMILIES))
    return [
        ("basis_impact_min_bp", f, float(w)) for f, w in zip(FAMILIES, worst, strict=True)
    ], dated
