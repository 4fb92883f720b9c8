"""Rolls of the end users' cleared repo (``population.ficc_leg: cleared_repo``;
``sim.population.legs``): on each business day at ``ROLL_CLOCK`` every repo-financed user whose
repo rolls that day (``legs.roll_schedule``, ``population.repo.term_business_days``) re-strikes
it with its sponsor (its cash firm) at the haircut of the day's market regime
(``legs.haircut_path``), recorded as a ``repo_roll`` event: ``face_usd`` the collateral face,
``scale`` the haircut in force (fraction) and ``amount_cents`` the cash the user owes the sponsor
for the change (negative: returned). The haircut cash is recorded only, not yet moved in the
ledger (the funding item of issue 11 wires it into the user's liquidity). Under ``outright``,
or with no repo-financed user, no process starts.
"""

from __future__ import annotations

import numpy as np

from sim.population.legs import cleared_books, haircut_calls_usd, haircut_path, roll_schedule
from sim.run import Run
from sim.settlement.ledger import to_cents

ROLL_CLOCK = "08:30"  # Fedwire Securities opens: DVP repo rolls settle from then (assumption)


def repo_faces(run: Run) -> np.ndarray:
    """Collateral face (dollars) of each user's cleared repo, in population order."""
    books = cleared_books(run.population, run.config.population)
    return np.array([sum(q for s, q in b.items() if s.startswith("REPO")) for b in books])


def roll_table(run: Run, face: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll flags, haircut in force and haircut cash (dollars) per user and run day."""
    repo, market, n_days = run.config.population.repo, run.market, run.calendar.n_days
    start = market.lookback_days
    regimes = np.asarray(market.regimes)[start : start + n_days]
    opening = int(np.asarray(market.regimes)[start - 1])
    rolls = roll_schedule(len(face), n_days, repo.term_business_days)
    path = haircut_path(regimes, rolls, repo, opening)
    level = (repo.haircut_calm, repo.haircut_stressed)[opening]
    return rolls, path, haircut_calls_usd(face, path, level)


def repo_rolls(run: Run, face: np.ndarray):
    """The SimPy process logging every roll (module docstring)."""
    rolls, path, cash = roll_table(run, face)
    users = run.population.users
    for day in range(run.calendar.n_days):
        yield run.env.timeout(max(run.calendar.at(day, ROLL_CLOCK) - run.env.now, 0.0))
        for i in np.flatnonzero(rolls[:, day] & (face != 0)):
            u = users[i]
            run.log(
                "repo_roll",
                u.user_id,
                u.cash_firm,
                counterparty=u.cash_firm,
                date_index=day,
                scale=float(path[i, day]),
                amount_cents=int(to_cents(cash[i, day])),
                face_usd=float(face[i]),
            )


def start_repo_rolls(run: Run) -> None:
    """Start ``repo_rolls`` when some user finances notes in cleared repo."""
    face = repo_faces(run)
    if run.config.population.ficc_leg == "cleared_repo" and face.any():
        run.env.process(repo_rolls(run, face))
