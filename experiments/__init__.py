"""Experiments: specs (``spec``, ``sweep``), the runner of scenarios x replications locally or on
Dask (``runner``), results-folder layout and atomic writes (``files``), provenance, analysis and
statistics (``analysis``, ``stats``), backtests and history downloads for the CLI, the report
(``report``) and the ``crossmargin`` command line (``cli``).

May import: ``sim`` and ``agents`` (the world registry). Reads runs only through their tables.
"""
