"""Experiments: specs (``spec``, ``sweep``), the runner of scenarios x replications (``runner``;
one replication as a task: ``tasks``) locally or on Dask (``dask_runs``, ``dask_cluster``:
workers send each run's files back), results-folder layout and atomic writes (``files``),
provenance, analysis and statistics (``analysis``, ``stats``), backtests and history downloads
for the CLI, the report (``report``) and the ``crossmargin`` command line (``cli``).

May import: ``sim`` and ``agents`` (the world registry). Reads runs only through their tables.
"""
