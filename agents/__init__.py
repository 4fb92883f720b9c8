"""Agents of a crossmargin run: CCPs, clearing firms, custodians and end users."""
