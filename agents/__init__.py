"""Agents of a crossmargin run: CCPs (``ccp``), clearing firms (``clearing_firm``), custodians
(``custodian``) and end users (``end_user``), thin classes whose behaviour is SimPy processes and
who talk only through the frozen messages of ``sim.messages``; ``base`` holds what they share.
``worlds`` holds the named world builders that create them in a run.

May import: ``sim``. Never ``experiments``.
"""
