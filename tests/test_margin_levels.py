"""Issue 12 item 5: where CME's 110% is collected, FICC's noon rule, DV01 at the day's yield,
replays' start curve, and the CME levels against CME's quoted figures."""

from __future__ import annotations

import pytest

from sim.config import SimConfig
from sim.config.firms import FirmsConfig, customer_multiplier


@pytest.mark.parametrize(
    ("at", "house", "speculative", "expected"),
    [
        ("fcm", 1.0, True, 1.1),  # the FCM collects 110% of maintenance from a speculator
        ("fcm", 1.0, False, 1.0),  # a hedger at maintenance
        ("fcm", 1.25, True, 1.25),  # a house multiplier above 110% is the larger
        ("ccp", 1.0, True, 1.0),  # the 110% already charged at the CCP (before issue 12)
    ],
)
def test_customer_multiplier_by_hand(at, house, speculative, expected):
    """What the firm collects per dollar of CME IM (ratio 1.1), worked out from the rule: the
    house multiplier, at least 1.1 for a speculative customer when the ratio is the FCM's."""
    cfg = FirmsConfig(speculative_multiplier_at=at, house_multiplier=house)
    assert customer_multiplier(cfg, "hedge_fund", speculative, 1.1) == pytest.approx(expected)


def test_default_categories_and_ccp_model_at_maintenance():
    """Defaults (DESIGN.md section 2): hedge funds and asset managers speculative, regional
    banks hedgers; CME's model at maintenance (multiplier 1) when the 110% is the FCM's."""
    cfg = SimConfig()
    kinds = {k: t.cftc_category for k, t in cfg.population.types.items()}
    assert kinds == {
        "hedge_fund": "speculative",
        "asset_manager": "speculative",
        "regional_bank": "hedger",
    }
    assert cfg.firms.speculative_multiplier_at == "fcm"
    assert cfg.cme.var_model(maintenance=True).multiplier == 1.0
    assert cfg.cme.var_model().multiplier == pytest.approx(1.1)
