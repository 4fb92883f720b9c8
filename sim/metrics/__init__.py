"""Metrics of one run, computed from its tables only, as one long table.

What lives here: the registry of every metric's name, unit, scope and meaning (``registry``),
margin and network metrics and the assembly of a run's metrics (``compute``), operations
metrics (``operations``) and adoption metrics (``adoption``); what the metrics read of a run
folder's files, without holding its tables whole (``inputs``).

May import: ``sim`` core modules, ``sim.config`` and ``sim.population``. Never ``agents`` or
``experiments``, and never the run object: only its tables and config.
"""
