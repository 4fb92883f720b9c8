"""Experiments: specs, runner, analysis, reports and the `crossmargin` CLI."""
