"""Agents of a crossmargin run, thin classes whose behaviour is SimPy processes and who talk only
through the frozen messages of ``sim.messages``: CCPs (``ccp``, owning their member accounts:
``ccp_accounts``), clearing firms (``clearing_firm``, owning their customers' equity:
``customer_equity``, and their treasury: ``firm_treasury``), custodians (``custodian``), end
users (``end_user``) and, in adoption studies, the adopters (``adopters``) and the firms'
onboarding desks (``adoption_desk``); ``base`` holds what they share. ``worlds`` holds the named
world builders that create them in a run.

May import: ``sim``. Never ``experiments``.
"""
