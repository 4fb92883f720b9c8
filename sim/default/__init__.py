"""Default management across the two CCPs (the named place for it; DESIGN.md sections 2 and 4):
liquidation of a defaulter's portfolio (jointly for XM portfolios), sharing of liquidation
proceeds between the CCPs, each CCP's waterfall, and porting of customers to surviving firms.

May import: ``sim`` core modules, ``sim.config``, ``sim.market``, ``sim.margin`` and
``sim.settlement``. Pure functions; the agents run them.
"""
