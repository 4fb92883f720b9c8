"""Sizing the default population from public facts (DESIGN.md section 2), by one scale factor.

- End users: FICC had about 2,400 sponsored members in 2024 and about 3,000 in 2026; at
  ``scale = 1`` the population has the midpoint, 2,700 end users.
- Clearing firms: FICC has about 218 netting members, not all of which clear for end users; at
  ``scale = 1`` we take 127 firms that do, 55 BD-FCMs, 36 FCM-only and 36 BD-only, the 6:4:4
  proportion of the default population (which is ``scale`` about 0.11: 300 end users).
- Size: the hedge-fund basis trade was $400-500bn at the 2020 peak and about $1tn in 2024-25.
  With 45% hedge funds (1,215 at scale 1) and a lognormal cash-leg DV01 of median $240,000 per
  bp and log-sd 0.8 (mean $240,000 x e^0.32 = $330,000 per bp), and the basis notes spread evenly
  over the 2-, 5-, 7- and 10-year tenors (on average $2,580 of face per dollar of DV01: the mean
  of 1 / DV01-per-dollar at 4%), each fund holds about $0.85bn of notes and the hedge funds
  together about $1.0tn: the 2024-25 figure (``tests/test_sizing.py`` checks it).

The ``public_data`` population (``sim.config.public_data`` for the sources) scales its own
counts: ``public_counts``.
"""

from __future__ import annotations

import math

END_USERS_AT_SCALE_1 = 2_700
FIRMS_AT_SCALE_1 = {"n_bd_fcm": 55, "n_fcm": 36, "n_bd": 36}


def scaled_counts(scale: float) -> dict[str, int]:
    """End users and firm counts of a population that is ``scale`` times the real market (at
    least one BD-FCM and one end user)."""
    counts = {k: round(v * scale) for k, v in FIRMS_AT_SCALE_1.items()}
    counts["n_bd_fcm"] = max(counts["n_bd_fcm"], 1)
    counts["n_end_users"] = max(round(END_USERS_AT_SCALE_1 * scale), 1)
    return counts


def type_counts(end_users: dict[str, int], total: int) -> dict[str, int]:
    """``total`` end users shared among the types in proportion to ``end_users`` (the market's
    counts) by largest remainder, so that they sum to ``total`` exactly."""
    market = sum(end_users.values())
    exact = {k: n * total / market for k, n in end_users.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: counts[k] - exact[k])
    for k in by_remainder[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def public_counts(
    end_users: dict[str, int], firms: dict[str, int], scale: float | None, n_end_users: int
) -> dict[str, int]:
    """``n_end_users`` and the firm counts (``firms``: ``n_bd_fcm``, ``n_fcm``, ``n_bd`` at
    scale 1) of a ``public_data`` population ``scale`` times the market (``end_users``: the
    market's counts by type); without a scale, ``n_end_users`` end users decide it (at least one
    end user and one BD-FCM)."""
    market = sum(end_users.values())
    if scale is None:
        scale = n_end_users / market
    else:
        n_end_users = max(round(market * scale), 1)
    counts = {k: round(v * scale) for k, v in firms.items()}
    counts["n_bd_fcm"] = max(counts["n_bd_fcm"], 1)
    counts["n_end_users"] = n_end_users
    return counts
