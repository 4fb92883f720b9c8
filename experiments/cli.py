"""The ``crossmargin`` command line. Exit codes: 0 success, 2 bad input, 1 a bug or failed runs.

Bad input (a spec, a field, a file) is reported in one message naming what and where, with no
traceback, and nothing is written.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.errors import ConfigError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate CME-FICC cross-margining for end users.",
)
err = Console(stderr=True)
out = Console()


def bad_input_exits_2(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
            raise typer.Exit(2) from None

    return wrapper


@app.command("list")
def list_experiments() -> None:
    """The built-in experiments, one line each."""
    from experiments.spec import builtin_names, read_spec

    for name in builtin_names():
        data, _ = read_spec(name)
        out.print(f"{name:<20} {data.get('description', '').strip()}", highlight=False)


@app.command()
@bad_input_exits_2
def validate(spec: Annotated[str, typer.Argument(help="built-in name or YAML path")]) -> None:
    """Check a spec: exit 0 when it is valid, 2 with every error and its field otherwise."""
    from experiments.runner import preflight
    from experiments.spec import load

    resolved = load(spec, default_history=os.environ.get("CROSSMARGIN_HISTORY") or None)
    preflight(resolved)
    out.print(
        f"{spec}: valid ({len(resolved.configs)} scenarios x "
        f"{resolved.spec.replications} replications)",
        highlight=False,
    )


def _progress(running: bool = False) -> Progress:
    """A bar with done/total and failed, and the runs in flight when ``running``."""
    counts = [TextColumn("done"), TextColumn("running {task.fields[running]}")] if running else []
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *counts,
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


ReplicationsOption = Annotated[
    int | None, typer.Option(min=1, help="replications per scenario (else the spec's)")
]
SeedOption = Annotated[
    int | None, typer.Option(min=0, help="root seed of the replications (else the spec's)")
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="local worker processes (default: cores, or runs)")
]
HistoryOption = Annotated[
    str | None, typer.Option(help="par-yield history CSV (else $CROSSMARGIN_HISTORY)")
]
NoReportOption = Annotated[
    bool,
    typer.Option(
        "--no-report",
        help="write the tables and summary.csv only: no figures and no report.html (a report"
        " of an earlier run in the folder is removed, since it no longer matches)",
    ),
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS",
        help="run on the dask scheduler at ADDRESS (tcp://host:8786; workers need the package,"
        " no shared filesystem) or 'local' for a 2-process local cluster",
    ),
]


@app.command()
@bad_input_exits_2
def run(
    spec: Annotated[str, typer.Argument(help="built-in name or YAML path")] = "baseline",
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder")] = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    workers: WorkersOption = None,
    history: HistoryOption = None,
    dask: DaskOption = None,
    no_report: NoReportOption = False,
) -> None:
    """Run an experiment (scenarios x replications) and write its results and report."""
    from experiments.inputs import out_folder

    if out_dir is not None:
        out_folder(out_dir)
    overrides = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    resolved = _load_checked(spec, overrides, history, dask)
    target = out_folder(out_dir or Path("results") / resolved.spec.name)
    _run_locked(resolved, target, workers, dask, report=not no_report)


def _run_locked(
    resolved: Any, target: Path, workers: int | None, dask: str | None, report: bool = True
) -> None:
    """Run the experiment into ``target`` holding its lock; Ctrl-C (exit 130) or SIGTERM (exit
    143) ends it with the finished runs kept and recorded, and says how to resume."""
    from experiments.cancel import Terminated, sigterm_as_interrupt
    from experiments.lock import results_lock

    try:
        with sigterm_as_interrupt(), results_lock(target, warn=_warn):
            _run_and_report(resolved, target, workers, dask, report)
    except KeyboardInterrupt as exc:
        err.print(
            f"interrupted: the finished runs are kept and recorded in {target / 'manifest.json'};"
            f" resume with the same command:\n  {_command_line()}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None


def _warn(text: str) -> None:
    err.print(f"warning: {text}", markup=False, soft_wrap=True)


def _command_line() -> str:
    """This command as typed (``crossmargin`` and its arguments), ready to paste."""
    return shlex.join(["crossmargin", *sys.argv[1:]])


def _run_and_report(
    resolved: Any, target: Path, workers: int | None, dask: str | None, report: bool = True
) -> None:
    """Run the unfinished tasks, then write the summary and (unless ``report`` is False) the
    figures and report (exit 1 if runs failed)."""
    from experiments import runner
    from experiments.outputs import write_outputs

    tasks, failed = _execute(resolved, target, workers, dask)
    if failed == len(tasks):
        err.print(f"[red]every run failed[/red]: tracebacks in {target / 'manifest.json'}")
        raise typer.Exit(1)
    what = "summary, figures and report" if report else "summary"
    err.print(f"writing {what} to {target} ...", highlight=False)
    page = write_outputs(target, runner.gather_metrics(target / "runs", tasks), report=report)
    shown = page or "not written (--no-report)"
    out.print(f"summary: {target / 'summary.csv'}\nreport:  {shown}", highlight=False)
    if failed:
        err.print(f"[red]{failed} run(s) failed[/red]: tracebacks in {target / 'manifest.json'}")
        raise typer.Exit(1)


def _load_checked(spec: str, overrides: dict, history: str | None, dask: str | None) -> Any:
    """The resolved spec (``history``, else $CROSSMARGIN_HISTORY), its markets checked, and the
    dask scheduler when one is named."""
    from experiments import runner
    from experiments.dask_cluster import check_dask
    from experiments.spec import load

    env_history = os.environ.get("CROSSMARGIN_HISTORY") or None
    resolved = load(spec, overrides, history=history, default_history=env_history)
    runner.preflight(resolved)
    if dask:
        check_dask(dask)
    return resolved


def _execute(
    resolved: Any, target: Path, workers: int | None, dask: str | None
) -> tuple[list, int]:
    """Prepare ``target`` and its manifest, run the unfinished tasks; (tasks, how many failed)."""
    from experiments import runner

    tasks, manifest = runner.open_experiment(resolved, target)
    n_workers = workers or min(os.cpu_count() or 1, len(tasks))
    failed = _run_with_progress(resolved.spec.name, tasks, target, manifest, n_workers, dask)
    manifest.finish()
    return tasks, failed


def _run_with_progress(
    name: str, tasks: list, target: Path, manifest: Any, workers: int, dask: str | None = None
) -> int:
    """Run the unfinished tasks (locally or on dask) under a bar of runs done, running and
    failed; returns how many failed."""
    from experiments import runner

    with _progress(running=True) as bar:
        done = sum(runner.is_done(target / "runs", t) for t in tasks)
        job = bar.add_task(name, total=len(tasks), completed=done, failed=0, running=0)

        def advance(task: runner.Task, outcome: dict) -> None:
            failed = bar.tasks[0].fields["failed"] + (outcome["status"] == "failed")
            bar.update(job, advance=1, failed=failed)

        def running(n: int) -> None:
            bar.update(job, running=n)

        return runner.run_tasks(
            tasks, target / "runs", manifest, workers, advance, dask=dask, on_running=running
        )


def _history_path(option: str | None) -> str | None:
    """--history, else $CROSSMARGIN_HISTORY, else None (synthetic look-back)."""
    return option or os.environ.get("CROSSMARGIN_HISTORY") or None


def main() -> None:
    sys.exit(app())


@app.command()
@bad_input_exits_2
def calibrate(
    csv: Annotated[list[Path], typer.Argument(help="par-yield history file(s)")],
    out_file: Annotated[
        Path, typer.Option("--out", help="model JSON to write (missing folders are created)")
    ] = Path("market_model.json"),
) -> None:
    """Fit the market model to a par-yield history (treasury.gov or FRED layout)."""
    from experiments.inputs import out_file as checked_out_file
    from sim.market.calibration import fit_history, save_model

    checked_out_file(out_file)
    params = fit_history([str(p) for p in csv])
    out_file.parent.mkdir(parents=True, exist_ok=True)
    save_model(params, out_file)
    out.print(f"wrote {out_file} ({params['source']})", highlight=False)


BasisSeedOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="seed of the simulated futures-cash basis look-back (and of the synthetic yields"
        " without a history); default 0",
    ),
]


@app.command()
@bad_input_exits_2
def margin(
    portfolio: Annotated[Path, typer.Argument(help="YAML/JSON file with 'positions'")],
    history: Annotated[str | None, typer.Option(help="par-yield history CSV")] = None,
    asof: Annotated[str | None, typer.Option(help="margin date YYYY-MM-DD")] = None,
    seed: BasisSeedOption = 0,
    category: Annotated[str, typer.Option(help="speculative or hedger")] = "speculative",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """CME and FICC standalone IM, each CCP's XM reduction factor, the applied reduction and the
    cross-margined IM one portfolio's owner posts (a --category customer: CME maintenance x the
    FCM's ratio, 110% for speculators). The look-back's basis is simulated with --seed."""
    from experiments.inputs import dates_need_history, parse_date
    from sim.config import SimConfig
    from sim.margin.portfolio import load_portfolio, margin_on_lookback

    path = _history_path(history)
    asof = (day := parse_date(asof, "--asof")) and day.isoformat()
    dates_need_history(path, **{"--asof": asof})
    if category not in ("speculative", "hedger"):
        raise ConfigError(f"--category: {category!r}; allowed: speculative, hedger")
    spec, positions = category == "speculative", load_portfolio(portfolio)
    margins, source = margin_on_lookback(positions, SimConfig(), path, asof, seed, spec)
    result = margins.as_dict()
    if as_json:
        head = {"portfolio": str(portfolio), "history": source, "seed": seed}
        return out.print_json(data={**head, "category": category, **result})
    out.print(f"{portfolio}  (history: {source}; seed {seed}; {category})", highlight=False)
    for key, value in result.items():
        shown = f"{value:.1%}" if key.startswith("reduction") else f"${value:,.0f}"
        out.print(f"  {key:<16} {shown:>16}", highlight=False)


@app.command()
@bad_input_exits_2
def backtest(
    history: Annotated[str | None, typer.Option(help="par-yield history CSV")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="first test day")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last test day")] = None,
    seed: BasisSeedOption = 0,
    rule: Annotated[str, typer.Option(help="XM rule: min_cap, joint_split or none")] = "min_cap",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Exceptions at 99% on the reference portfolios (outright, basis, curve) of each CCP's VaR,
    of the IM each CCP charges after the XM --rule's reduction, and of the sum held at both
    against the joint P&L, with Kupiec's test and the Basel traffic-light zone; each with the
    basis (simulated with --seed, in VaR and P&L) and on the key rates alone."""
    import json

    from experiments.backtesting import run_backtests
    from experiments.inputs import date_window, dates_need_history
    from sim.margin.xm import XM_RULES

    if rule not in XM_RULES:
        raise ConfigError(f"--rule {rule!r}: one of {', '.join(XM_RULES)}")
    path = _history_path(history)
    date_from, date_to = date_window(date_from, date_to)
    dates_need_history(path, **{"--from": date_from, "--to": date_to})
    rows, source = run_backtests(path, date_from, date_to, seed, rule)
    if as_json:
        record = {"history": source, "seed": seed, "rule": rule, "results": rows}
        return out.print_json(json.dumps(record))
    out.print(f"history: {source}; seed {seed}", highlight=False)
    for r in rows:
        out.print(_backtest_line(r), highlight=False)


def _backtest_line(r: dict) -> str:
    return (
        f"  {r['view']:<9} {r['kind']:<5} {r['model']:<4} {r['account']:<9}"
        f" {r['exceptions']:>4}/{r['observations']:<5}"
        f" Kupiec p={r['kupiec_p_value']:.3f}  {r['zone']}"
    )


history_app = typer.Typer(no_args_is_help=True, help="Par-yield history files.")
app.add_typer(history_app, name="history")


@history_app.command("download")
@bad_input_exits_2
def history_download(
    years: Annotated[str, typer.Option(help="YYYY or YYYY-YYYY")] = "1990-2021",
    out_file: Annotated[Path, typer.Option("--out", help="CSV to write")] = Path(
        "par-yield-history.csv"
    ),
) -> None:
    """Fetch the Treasury's yearly par-yield CSVs (needs internet) into one treasury.gov-layout
    file usable with --history, calibrate or CROSSMARGIN_HISTORY."""
    from experiments.download import download_history, parse_years
    from experiments.inputs import out_file as checked_out_file

    wanted = parse_years(years)
    checked_out_file(out_file)
    with _progress() as bar:
        job = bar.add_task("download", total=len(wanted), failed=0)
        path = download_history(wanted, out_file, progress=lambda y: bar.update(job, advance=1))
    out.print(f"wrote {path}", highlight=False)


@app.command()
@bad_input_exits_2
def report(results: Annotated[Path, typer.Argument(help="a results folder")]) -> None:
    """Rebuild summary.csv, the figures and report.html from a results folder's tables."""
    from experiments.inputs import results_folder
    from experiments.outputs import write_outputs

    metrics = results_folder(results)
    err.print(f"writing summary, figures and report to {results} ...", highlight=False)
    path = write_outputs(results, metrics)
    out.print(f"report:  {path}", highlight=False)
