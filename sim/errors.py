"""The few domain exceptions of crossmargin. Bad input raises ``ConfigError``; everything else is
a broken invariant of the simulation and must never be swallowed."""


class CrossmarginError(Exception):
    """Base class of crossmargin's domain exceptions."""


class ConfigError(CrossmarginError, ValueError):
    """Bad user input: a spec, a portfolio or a history file. The message names what and where."""


class LedgerError(CrossmarginError):
    """A transfer that would break the ledger's rules (unknown account, overdraft, bad amount)."""


class CallStateError(CrossmarginError):
    """A margin call changed state illegally, e.g. ended twice."""
