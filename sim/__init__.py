"""crossmargin's simulation engine: everything one replication needs, and nothing of who runs it.

Core modules here: ``run`` (the ``Run`` object that owns all state of one replication, and
``run(config, seed, world)``), ``calendar`` (business days and the minute clock), ``rng`` (named
random streams), ``messages`` (the frozen messages agents exchange), ``calls`` (the call book:
every margin call ends exactly once), ``records`` (typed tables streamed to Parquet),
``table_files`` (a run folder's tables, read when asked for) and ``errors``. Subpackages by
domain: ``config``, ``market``, ``margin``, ``settlement``, ``population``, ``metrics`` and
``default``; each one's ``__init__`` says what lives there and
what it may import.

May import: third-party libraries and itself. Never ``agents`` or ``experiments``: the world
that creates the agents is passed into ``run``.
"""
