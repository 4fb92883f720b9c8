"""Margin maths, pure and vectorised numpy: testable without SimPy.

What lives here: the CCPs' historical-VaR models (``var``), the cross-margin reduction rules
(``xm``), the key-rate exposures of position books (``exposure``), one portfolio's margin at
both CCPs (``portfolio``), P&L over a horizon and its cover (``horizon``), and backtests with
Kupiec's test and the Basel traffic light (``backtest``).

May import: ``sim`` core modules, ``sim.config`` and ``sim.market`` (instruments, basis
families). Never SimPy processes, ``agents`` or ``experiments``.
"""
