"""The market: what drives prices in a run.

What lives here: par-yield history files (``history``), the calibrated regime-switching model
and its shipped parameters (``calibration``, ``market_model.json``), where a run's closes come
from (``sources``: synthetic, real look-back, replay), the run's market path (``path``), intraday
marks between closes (``intraday``), the futures-cash basis factor and its price impact
(``basis``), instruments with their key-rate DV01s (``instruments``), price impact relative to
market depth (``impact``) and the liquidation engine that sells books at prices with impact
(``liquidation``). Funding markets grow here too.

May import: ``sim`` core modules and ``sim.config``. Pure numpy/pandas: no SimPy, no agents.
"""
