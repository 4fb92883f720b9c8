"""Settlement: where money and collateral sit and how they move.

What lives here: the exact-cent ledger of cash and Treasury collateral (``ledger``), the payment
rails and their windows (``rails``), collateral valuation with haircuts and the margin
shortfall arithmetic (``collateral``). Customer segregation pools (CEA 4d, SEC 15c3-3) grow
here too.

May import: ``sim`` core modules and ``sim.market`` (the collateral's DV01). Never ``agents``
or ``experiments``.
"""
