"""The world of an adoption study: end users deciding monthly whether to take up customer
cross-margining, and the clearing firms' onboarding queues (DESIGN.md sections 2 and 4).

Use the spec's ``world: adoption`` with ``config.adoption``
(``sim.config.adoption.AdoptionConfig``) and a calendar spanning the study (e.g. 18 months from
2026-04-30). No ledger, CCP or margin call is involved: only the population, the market path and
the CCPs' margin models.

On each month's ``evaluation_day_of_month``-th business day at 07:00 ET from ``live_date`` on,
``Adopters`` computes every user's standalone and XM IM of its XM-eligible legs (both CCPs'
models, ``xm.rule``/``cap``, the history known at the previous close, the cash leg scaled by the
cleared share of that date), vectorised over all users; the legs are the cleared legs the
clearing world margins (``sim.population.legs``: under ``population.ficc_leg: cleared_repo`` a
custody holding has no FICC leg and so saves nothing). Users not yet decided whose savings over
``payback_years`` beat their cost decide (for good). A user eligible under ``xm.eligibility``
given its current firms pays the fixed cost and onboards at its futures firm (which opens the XM
account); any other pays fixed + consolidation cost and onboards at its consolidation target
(``sim.population.adoption.consolidation_target``), where its moved legs go on its adoption date;
with no target it cannot adopt. ``xm.enabled`` is ignored (``live_date`` rules); ``xm.rule: none``
frees nothing. Each firm's ``AdoptionDesk`` starts at most ``onboarding_per_firm_per_month``
onboardings per calendar month, first come first served (same-day deciders in a random order, stream
``adoption.queue``): a user starts in the first month from its decision month with a free slot (at
once in its decision month, else at 06:00 ET on that month's first business day) and adopts at 06:00
ET on business day max(decision day + lead time, start day): never before ``live_date`` nor before
its lead time has passed.

Tables (``sim.records``): ``adoption_decisions``, ``adoption_onboarding``, ``adoptions``,
``adoption_counts`` (day 0, each evaluation day and the last day) and ``market_shares`` (start
and end); ``sim.metrics.adoption`` turns them into metrics.
"""

from __future__ import annotations

from agents.adopters import Adopters
from agents.adoption_desk import AdoptionDesk
from sim.run import Run


def build_adoption_world(run: Run) -> None:
    """Create the firms' onboarding desks and the adopters in ``run`` and start the study."""
    cfg = run.config.adoption
    for f in run.population.firms:
        AdoptionDesk(run, f.firm_id, cfg.onboarding_per_firm_per_month, cfg.live_date)
    adopters = Adopters(run, cfg)
    adopters.record_shares("start")
    run.env.process(adopters.study())
