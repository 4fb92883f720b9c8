"""Who takes part: the population of clearing firms and end users and their relationships.

What lives here: the seeded population with its portfolios (``population``), its size from
public facts (``sizing``), the XM eligibility rules (``eligibility``), the relationship network
and its concentration and failure-exposure measures (``network``), and the pure maths of
adoption decisions (``adoption``).

May import: ``sim`` core modules, ``sim.config``, ``sim.market`` and ``sim.margin``. Never
``agents`` or ``experiments``.
"""
