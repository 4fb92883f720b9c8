"""crossmargin simulation engine: calendar, market, instruments, margin, ledger, records."""
