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

END_USERS_AT_SCALE_1 = 2_700
FIRMS_AT_SCALE_1 = {"n_bd_fcm": 55, "n_fcm": 36, "n_bd": 36}


def scaled_counts(scale: float) -> dict[str, int]:
    """End users and firm counts of a population that is ``scale`` times the real market (at
    least one BD-FCM and one end user)."""
    counts = {k: round(v * scale) for k, v in FIRMS_AT_SCALE_1.items()}
    counts["n_bd_fcm"] = max(counts["n_bd_fcm"], 1)
    counts["n_end_users"] = max(round(END_USERS_AT_SCALE_1 * scale), 1)
    return counts


def type_counts(end_users: dict[str, int], scale: float) -> dict[str, int]:
    """End users of each type in a ``public_data`` population ``scale`` times the market
    (``end_users``: counts at scale 1), rounded; at least one end user in all."""
    counts = {k: round(n * scale) for k, n in end_users.items()}
    if not sum(counts.values()):
        counts[max(end_users, key=end_users.__getitem__)] = 1
    return counts


def public_counts(end_users: dict[str, int], firms: dict[str, int], scale: float) -> dict[str, int]:
    """``n_end_users`` and the firm counts (``firms``: ``n_bd_fcm``, ``n_fcm``, ``n_bd`` at
    scale 1) of a ``public_data`` population ``scale`` times the market (at least one
    BD-FCM)."""
    counts = {k: round(v * scale) for k, v in firms.items()}
    counts["n_bd_fcm"] = max(counts["n_bd_fcm"], 1)
    counts["n_end_users"] = sum(type_counts(end_users, scale).values())
    return counts
