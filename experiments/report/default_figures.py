"""The figures of the report's "Default management" theme (``experiments.report.themes``): the
metrics of ``sim.metrics.default_management``, rows only in runs with a member default, so the
theme is left out of every other report. Entity types: the CCP (``cme``, ``ficc``), ``all`` for
the inter-CCP transfer."""

from __future__ import annotations

from experiments.report.figures import FigureSpec, Panel
from sim.margin.waterfall import LAYERS

MILLIONS = 1e6
CCPS: tuple[str, ...] = ("cme", "ficc")
ALL: tuple[str, ...] = ("all",)
LAYER_TITLES = {
    "defaulter_margin": "defaulter's margin",
    "defaulter_fund": "defaulter's fund contribution",
    "ccp_capital": "CCP capital",
    "survivor_fund": "survivors' fund contributions",
    "assessments": "assessments",
}

CLOSEOUT_VS_MARGIN = FigureSpec(
    name="default_closeout",
    title="Close-out loss against the defaulter's margin, by CCP",
    caption="Each CCP's loss closing out the defaulter's house and customer positions over its "
    "margin period of risk (horizon loss, price impact and unpaid variation margin; after the "
    "inter-CCP transfer of joint XM close-outs; net of every owner's gains), the gains credited "
    "back to their owners (a customer's gain is its own, not an offset to the house's or another "
    "customer's loss, so the waterfall meets the loss plus these gains), the defaulter's margin "
    "usable at that CCP, the loss left uncovered by the whole waterfall, and the net amount CME "
    "and FICC moved between them to share joint XM close-outs, in $ millions per run",
    panels=(
        Panel("default_closeout_loss_usd", "close-out loss", "$ millions", MILLIONS, CCPS),
        Panel("default_gains_returned_usd", "gains returned", "$ millions", MILLIONS, CCPS),
        Panel("default_margin_usd", "defaulter's margin", "$ millions", MILLIONS, CCPS),
        Panel("default_uncovered_usd", "uncovered loss", "$ millions", MILLIONS, CCPS),
        Panel("inter_ccp_transfer_usd", "inter-CCP transfer", "$ millions", MILLIONS, ALL),
    ),
)

WATERFALL = FigureSpec(
    name="default_waterfall",
    title="Waterfall layers used, by CCP",
    caption="What each layer of each CCP's default waterfall paid towards the close-out loss, "
    "in order: the defaulter's margin, its default-fund contribution, the CCP's own capital, "
    "the survivors' contributions and assessments on the survivors, in $ millions per run",
    panels=tuple(
        Panel(f"waterfall_{layer}_usd", LAYER_TITLES[layer], "$ millions", MILLIONS, CCPS)
        for layer in LAYERS
    ),
)

DEFAULT_COUNTS = FigureSpec(
    name="default_counts",
    title="Member defaults, defaulted CCP calls and cancelled customer calls",
    caption="Clearing members each CCP declared in default (scheduled, missed call or "
    "cross-default), the CCP calls that ended defaulted, and the defaulters' customer calls "
    "of that CCP cancelled at the declaration, per run",
    panels=(
        Panel("member_defaults", "member defaults", "per run", order=CCPS, xlabel="CCP"),
        Panel("ccp_call_defaults", "CCP calls defaulted", "per run", order=CCPS, xlabel="CCP"),
        Panel(
            "customer_calls_cancelled",
            "customer calls cancelled",
            "per run",
            order=CCPS,
            xlabel="CCP",
        ),
    ),
)

CUSTOMERS_AND_SURVIVORS = FigureSpec(
    name="default_customers",
    title="Customers and surviving firms after a member default",
    caption="The defaulters' customers' close-out losses beyond their own collateral at each "
    "CCP (met by the defaulter's house margin and the waterfall, never by another customer's "
    "collateral: LSOC), the unported customers' collateral left after the close-out and held "
    "for them, the share of the defaulters' customers ported with every leg, and the peak "
    "credit the surviving firms drew (summed) from the declaration on; $ millions per run",
    panels=(
        Panel("default_customer_shortfall_usd", "customers' loss beyond own collateral",
              "$ millions", MILLIONS, CCPS),
        Panel("customer_collateral_held_usd", "customer collateral held", "$ millions",
              MILLIONS, CCPS),
        Panel("ported_share", "customers ported", "share", order=ALL),
        Panel("survivor_liquidity_drawn_usd", "survivors' credit drawn", "$ millions",
              MILLIONS, ALL),
    ),
)  # fmt: skip

DEFAULT_FIGURES = (CLOSEOUT_VS_MARGIN, WATERFALL, DEFAULT_COUNTS, CUSTOMERS_AND_SURVIVORS)
