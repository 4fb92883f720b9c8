"""Configuration of the population built from public data (``population.model: public_data``).

Counts are those of the whole market (``population.scale = 1``); a run at scale ``s`` holds
``s`` times each count (``sim.population.sizing.public_counts``). Money in US dollars.

Sources (DESIGN.md sections 2 and 7; the registry ``sim.config.assumptions`` says which figures
are assumptions):

- ``end_users``: reportable traders in Treasury futures by category, CFTC Traders in Financial
  Futures (TFF), futures only, "UST 10Y NOTE - CHICAGO BOARD OF TRADE" (CFTC code 043602),
  "Number of Traders in Each Category", 2024 weekly reports (e.g. 10 Sep 2024): leveraged funds
  (``hedge_fund``) and asset managers/institutional (``asset_manager``) each list roughly
  150-250 traders; 200 and 230 are taken, not verified against one report (assumption: check
  the report of the date used). Regional banks: TFF has no bank category (banks report as
  dealers or "other reportables"); 100 is an assumption (about two thirds of the roughly 150 US
  banks with more than $10bn of assets, FDIC Quarterly Banking Profile 2024).
- ``gross_treasury_usd``: hedge funds' gross Treasury exposure $2.39tn ($1.45tn long, $0.94tn
  short), Form PF, Feb 2020 (FEDS Note "Hedge Fund Treasury Exposures, Repo, and Margining",
  6 Oct 2021).
- ``size_sigma``: log-sd of the lognormal of hedge funds' gross exposure, fitted once
  (``scipy.optimize.brentq`` on ``sim.population.public_data.top_share_of_quantiles``) so that
  the top 50 of 200 funds hold 83% of gross exposure: Form PF, the top 50 hedge funds hold
  83-85% of hedge funds' gross Treasury exposure (FEDS Note, 6 Oct 2021). The fitted value is
  1.662; ``tests/test_public_population.py`` checks the share at scale 1 is within 75-90%.
- ``n_bd_fcm`` + ``n_fcm``: about 60 FCMs in the CFTC's monthly FCM financial data (2024-25;
  about 50 hold customer futures funds, FIA from CFTC data). The split 30 BD-FCMs (members of
  both CCPs) and 30 FCM-only, and ``n_bd`` 20 BD-only FICC members clearing for end users
  (sponsoring members that are not FCMs), are assumptions.
- ``fcm_size_exponent``: FCM size (customer segregated funds) is a Zipf law over rank
  (``scipy.stats.zipfian``); exponent 1.1 over 60 FCMs gives the largest 25%, the top 5 55%
  and the top 10 68% (CFTC FCM financial data: largest, JP Morgan Securities, about $75bn of
  $340-347bn, 22%, in 2024-25; top 5 52% and top 10 74% in 2016).
- ``bank_affiliated_share``, ``bank_offer_weight``: the largest BD-FCMs are bank-affiliated;
  trade bodies say bank capital rules make customer XM impractical (FIA, "FIA supports
  FICC-CME customer cross-margining proposal"), so a bank-affiliated firm's size counts
  ``bank_offer_weight`` times when ranking who offers it (assumptions).
- ``max_pairs``: the number of (cash, futures) pairs of a book is uniform on 1..max_pairs
  (a basis fund spread over 2-3 tenors; assumption).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from sim.config.base import Frozen

_END_USERS = {"hedge_fund": 200, "asset_manager": 230, "regional_bank": 100}
_MAX_PAIRS = {"hedge_fund": 3, "asset_manager": 2, "regional_bank": 2}


class PublicDataConfig(Frozen):
    """The market the ``public_data`` population samples (see the module docstring for sources).
    ``end_users``: end users of each type at scale 1 (count); ``gross_type``: the type whose
    gross Treasury exposure (dollars of face, long plus short) totals ``gross_treasury_usd`` at
    scale 1 with lognormal sizes of log-sd ``size_sigma``; other types keep their
    ``dv01_median_usd`` and ``dv01_sigma``. Firms at scale 1: ``n_bd_fcm``, ``n_fcm``, ``n_bd``,
    sized by a Zipf law of exponent ``fcm_size_exponent``; the largest ``bank_affiliated_share``
    of BD-FCMs are bank-affiliated, and ``firms.share_bd_fcm_offering_xm`` of BD-FCMs offer
    customer XM, the largest by size, a bank-affiliated firm's size times ``bank_offer_weight``.
    ``max_pairs``: most (cash, futures) pairs in one book, by type (1 where not given)."""

    end_users: dict[str, int] = Field(default_factory=lambda: dict(_END_USERS))
    gross_type: str = "hedge_fund"
    gross_treasury_usd: float = Field(2.39e12, gt=0)
    size_sigma: float = Field(1.662, ge=0, le=5)
    n_bd_fcm: int = Field(30, ge=1)
    n_fcm: int = Field(30, ge=0)
    n_bd: int = Field(20, ge=0)
    fcm_size_exponent: float = Field(1.1, ge=0, le=5)
    bank_affiliated_share: float = Field(0.5, ge=0, le=1)
    bank_offer_weight: float = Field(0.5, ge=0, le=1)
    max_pairs: dict[str, int] = Field(default_factory=lambda: dict(_MAX_PAIRS))

    @field_validator("end_users")
    @classmethod
    def _counts(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: n for k, n in v.items() if n < 0}
        if bad or not sum(v.values()):
            raise ValueError(f"counts must be >= 0 with a positive total, got {v}")
        return v

    @field_validator("max_pairs")
    @classmethod
    def _pairs(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: n for k, n in v.items() if not 1 <= n <= 4}
        if bad:
            raise ValueError(f"must be in 1..4 (the pairs of a template), got {bad}")
        return v
