"""Terms of the cleared (sponsored or agent-cleared) repo that finances end users' long cash
Treasuries when ``population.ficc_leg`` is ``cleared_repo`` (``sim.population.legs``).

Sources: hedge funds borrow in repo "almost exclusively" through FICC's sponsored DVP repo
service and the non-centrally cleared bilateral market, and their sponsored repo borrowing was
$235bn (Jan 2019) and $233bn (May 2023) as their 2/5/10Y futures shorts reached $631bn and $715bn
(Barth, Kahn and Mann, "Recent Developments in Hedge Funds' Treasury Futures and Repo Positions:
is the Basis Trade 'Back'?", FEDS Note, 30 Aug 2023, from the OFR Cleared Repo Collection);
74% of hedge funds' Treasury repo borrowing was at zero or negative haircut in Dec 2022 (FEDS
Note, 8 Sep 2023; DESIGN.md section 2), in the uncleared bilateral segment. A sponsored member's
repo is novated to FICC, which margins its sponsor for it (FICC Sponsored Service,
dtcc.com/clearing-services/ficc-gov/sponsored-membership). The haircut levels, the term and the
spread are assumptions (``sim.config.assumptions``).

At each roll (``agents.worlds.repo``) the haircut change moves between the user's cash account
and its sponsor's own cash, and the term's net carry is settled: the par note's coupon accrual
(from ``external``) less interest at SOFR plus ``rate_spread_bp`` on the financed amount (to the
sponsor), both act/360 over the term's calendar days; SOFR is proxied by the market path's 3M
par yield (assumptions).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.base import Frozen


class RepoConfig(Frozen):
    """``haircut_calm``, ``haircut_stressed``: the haircut (fraction of the collateral's value
    the borrower funds itself) the sponsor sets at a roll in the calm and the stressed regime of
    the market model; ``term_business_days``: business days from one roll to the next (1 is
    overnight, 21 about a month); ``rate_spread_bp``: the repo rate over SOFR (bp a year;
    SOFR proxied by the run's 3M par yield), paid on the financed amount at each roll."""

    haircut_calm: float = Field(0.0, ge=0.0, lt=1.0)
    haircut_stressed: float = Field(0.0, ge=0.0, lt=1.0)
    term_business_days: int = Field(1, ge=1, le=260)
    rate_spread_bp: float = Field(5.0, ge=-100.0, le=500.0)
    haircut_relax_days: int = Field(20, ge=0, le=260)

    @model_validator(mode="after")
    def _stress_not_looser(self) -> RepoConfig:
        if self.haircut_stressed < self.haircut_calm:
            raise ValueError(
                f"haircut_stressed: {self.haircut_stressed} is below haircut_calm"
                f" {self.haircut_calm}"
            )
        return self
