"""The ``realpolitik`` command line: one verb per job, machine-readable output with ``--format json|csv``.

Bad input never produces a traceback: problems print as ``FILE:LINE: field: message`` and the command exits
with status 2. Anything unexpected prints one line and exits 1 (``REALPOLITIK_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from . import __version__
from .console import print_forecast, print_summary
from .models import from_scenario, get_model
from .models.registry import available_models
from .provenance import atomic_write_text, build_manifest, write_json
from .scenario import ScenarioError, builtin_names, dump, load
from .scenario.formats import all_formats
from .scenario.model import Scenario

app = typer.Typer(
    name="realpolitik",
    help="Forecast where bargaining lands, compare strategies under uncertainty, watch event data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn input problems into one line each and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(str(problem), file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML, JSON, BDM CSV, KTAB CSV/XML, Decide) or a built-in name.")
]
FormatOpt = Annotated[
    str | None, typer.Option("--input-format", help="Read the file as this format instead of detecting it.")
]


def _version(value: bool) -> None:
    if value:
        from .models import kernels

        how = "compiled kernels" if kernels.compiled is not None else "numpy kernels (the C extension was not built)"
        print(f"realpolitik {__version__} ({how})")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """realpolitik: bargaining forecasts, strategy experiments and event monitoring for regional diplomacy."""


@app.command()
def validate(scenario: ScenarioArg, input_format: FormatOpt = None) -> None:
    """Check a scenario; print `ok: ...` or one line per problem (FILE:LINE: field: message) and exit 2."""
    try:
        loaded = load(scenario, format=input_format)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(str(problem))
        raise typer.Exit(2) from None
    s = loaded.scenario
    print(f"ok: {len(s.actors)} actors, {len(s.issues)} issues, {len(s.strategies)} strategies")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def scenarios() -> None:
    """List the built-in scenarios with their titles."""
    for name in builtin_names():
        print(f"{name}\t{load(name).scenario.title}")


@app.command()
def models(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list assumptions and options.")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
) -> None:
    """List the forecast models with their references (and, with -v, their assumptions and options)."""
    specs = available_models()
    if format is OutputFormat.json:
        doc = {
            name: {
                "title": spec.title,
                "reference": spec.reference,
                "reference_test": spec.reference_test,
                "assumptions": list(spec.assumptions),
                "options": [
                    {"name": o.name, "default": repr(o.default), "choices": o.choices and list(map(str, o.choices))}
                    for o in spec.options
                ],
                "stochastic": spec.stochastic,
                "multi_issue": spec.multi_issue,
            }
            for name, spec in specs.items()
        }
        print(json.dumps(doc, indent=2))
        return
    for name, spec in specs.items():
        print(f"{name}\t{spec.title}\n\treference: {spec.reference}\n\treference test: {spec.reference_test}")
        if verbose:
            for a in spec.assumptions:
                print(f"\tassumes: {a}")
            for o in spec.options:
                choices = f" (one of {', '.join(map(str, o.choices))})" if o.choices else ""
                print(f"\toption {o.name} = {o.default!r}{choices}")


@app.command()
@user_errors
def export(
    scenario: ScenarioArg,
    to: Annotated[str, typer.Option("--to", help="Target format: " + ", ".join(all_formats()))] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    input_format: FormatOpt = None,
) -> None:
    """Convert a scenario to YAML or a community format."""
    if to not in all_formats():
        print(f"unknown format {to!r} (known: {', '.join(all_formats())})", file=sys.stderr)
        raise typer.Exit(2)
    text = dump(load(scenario, format=input_format).scenario, to)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(output, text)


def _forecast_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["model", "issue", "round", "actor", "position", "median", "mean", "forecast"])
    for issue in data["issues"]:
        for rnd in issue["rounds"]:
            for actor, x in rnd["positions"].items():
                writer.writerow(
                    [
                        data["model"],
                        issue["id"],
                        rnd["round"],
                        actor,
                        repr(x),
                        repr(rnd["median"]),
                        repr(rnd["mean"]),
                        repr(issue["forecast"]),
                    ]
                )
    return buf.getvalue()


@app.command()
@user_errors
def forecast(
    scenario: ScenarioArg,
    model: Annotated[str, typer.Option(help="Model name (see `realpolitik models`).")] = "compromise",
    rounds: Annotated[int | None, typer.Option(min=0, help="Rounds of bargaining (default: the model's).")] = None,
    issue: Annotated[list[str] | None, typer.Option(help="Only this issue id (repeatable).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write forecast.json and manifest.json here.")
    ] = None,
    input_format: FormatOpt = None,
    rng: Annotated[
        int, typer.Option("--rng", help="Seed for stochastic models such as exchange-random (recorded).")
    ] = 0,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="Model option KEY=VALUE (repeatable; see `realpolitik models`)."),
    ] = None,
) -> None:
    """Forecast each issue with one model; JSON gives every round's positions, median and mean.

    Options the scenario file carries for the model (e.g. KTAB's logged parameters and seed) apply first;
    ``--option`` overrides them."""
    loaded = load(scenario, format=input_format)
    s = loaded.scenario
    try:
        spec = get_model(model)
    except KeyError as exc:
        print(str(exc.args[0]), file=sys.stderr)
        raise typer.Exit(2) from None
    if issue:
        unknown = [i for i in issue if i not in {x.id for x in s.issues}]
        if unknown:
            print(
                f"unknown issue(s): {', '.join(unknown)} (known: {', '.join(x.id for x in s.issues)})", file=sys.stderr
            )
            raise typer.Exit(2)
    try:
        user_options = spec.parse_option_texts(option or [])
    except ValueError as exc:
        print(f"--option: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    applied = spec.options_for(s.metadata, user_options)
    try:
        traj = spec(from_scenario(s), rounds=rounds, rng=rng, **applied)
    except (TypeError, ValueError) as exc:
        if not user_options:
            raise
        print(f"--option: {exc}", file=sys.stderr)  # a value of the right name but the wrong kind
        raise typer.Exit(2) from None
    data = traj.to_json_dict(issues=issue)
    if format is OutputFormat.json:
        print(json.dumps(data, indent=2))
    elif format is OutputFormat.csv:
        sys.stdout.write(_forecast_csv(data))
    else:
        print_forecast(out, s, traj, issue)
    if out_dir is not None:
        write_json(out_dir / "forecast.json", data)
        write_json(
            out_dir / "manifest.json",
            build_manifest(
                command="forecast",
                inputs={loaded.source: loaded.sha256},
                parameters={
                    "model": model,
                    "rounds": traj.rounds,
                    "issues": issue,
                    "rng": rng if spec.stochastic else None,
                    "options": dict(traj.options),
                    "scenario_options": {k: v for k, v in applied.items() if k not in user_options},
                    "user_options": user_options,
                },
            ),
        )


@app.command()
@user_errors
def demo(
    scenario: Annotated[
        str, typer.Argument(help="Scenario (default: the built-in afghanistan-2025).")
    ] = "afghanistan-2025",
) -> None:
    """The main job on a scenario: its summary and a compromise-model forecast per issue."""
    s = load(scenario).scenario
    print_summary(out, s)
    traj = get_model("compromise")(from_scenario(s))
    print_forecast(out, s, traj)


class Capability(StrEnum):
    weights = "weights"
    equal = "equal"


@app.command()
def backtest(
    deu3_file: Annotated[Path, typer.Argument(help="DEU III data in the layout of deu3.csv (tab-separated).")],
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model (repeatable; default: all).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    rng: Annotated[int, typer.Option("--rng", help="Seed of the bootstrap.")] = 0,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples (of proposals).")] = 2000,
    capability: Annotated[
        Capability, typer.Option(help="weights: the file's weights row; equal: all 1.")
    ] = Capability.weights,
) -> None:
    """Score models on DEU III: MAE, RMSE, median error, bootstrap 95% CIs, paired difference to compromise."""
    from rich.table import Table

    from .backtest import run_backtest

    try:
        result = run_backtest(deu3_file, model or None, rng=rng, n_boot=n_boot, capability=capability.value)
    except KeyError as exc:
        print(str(exc.args[0] if exc.args else exc), file=sys.stderr)
        raise typer.Exit(2) from None
    except OSError as exc:
        print(f"{deu3_file}: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    except ValueError as exc:
        message = str(exc)
        print(message if message.startswith(str(deu3_file)) else f"{deu3_file}: {message}", file=sys.stderr)
        raise typer.Exit(2) from None
    if format is OutputFormat.json:
        print(json.dumps(result.to_json_dict(), indent=2, allow_nan=False))
        return
    table = Table(title=f"DEU III backtest: {result.to_json_dict()['n']} issues, absolute error on the 0-100 scale")
    for col in ("model", "n", "MAE [95% CI]", "RMSE", "median AE", "MAE − compromise [95% CI]", "failed"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for row in result.to_rows():
        diff = (
            ""
            if row["model"] == "compromise" or row["diff_vs_compromise"] != row["diff_vs_compromise"]
            else f"{row['diff_vs_compromise']:+.2f} [{row['diff_lo']:+.2f}, {row['diff_hi']:+.2f}]"
        )
        table.add_row(
            row["model"],
            str(row["n"]),
            f"{row['mae']:.2f} [{row['mae_lo']:.2f}, {row['mae_hi']:.2f}]",
            f"{row['rmse']:.2f}",
            f"{row['median_ae']:.2f}",
            diff,
            str(row["failed"]),
        )
    out.print(table)
    out.print(f"Bootstrap over proposals, seed {rng}, {n_boot} resamples. Errors are of model forecasts.", style="dim")


def _progress_bar(label: str, quiet: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    )


@app.command()
@user_errors
def lab(
    scenario: ScenarioArg,
    strategy: Annotated[list[str] | None, typer.Option(help="Strategy id (repeatable; default: all).")] = None,
    draws: Annotated[int, typer.Option(min=1, help="Monte Carlo draws of the uncertain inputs.")] = 1000,
    client: Annotated[
        str | None, typer.Option(help="Actor whose utility ranks strategies (default: the scenario's).")
    ] = None,
    target: Annotated[list[str] | None, typer.Option(help="ISSUE>=X or ISSUE<=X (repeatable).")] = None,
    rng: Annotated[int, typer.Option("--rng", help="Seed of the experiment (recorded in the manifest).")] = 0,
    model: Annotated[
        str | None, typer.Option(help="Forecast model (default: bdm if available, else compromise).")
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=0, help="Rounds of bargaining (default: the model's).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Run shards on N local worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")] = None,
    shard_size: Annotated[int, typer.Option(min=1, help="Draws per shard (one batched model call each).")] = 1000,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Results folder (default: out/lab-SCENARIO-KEY).")
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    discover: Annotated[
        bool, typer.Option("--discover", help="PRIM: input ranges where each strategy misses its targets.")
    ] = False,
    box_inputs: Annotated[
        int, typer.Option("--box-inputs", min=1, help="--discover: most inputs a PRIM box may restrict.")
    ] = 4,
) -> None:
    """Compare strategies over seeded Monte Carlo draws: outcomes, target probabilities, utility, regret."""
    from .console import print_lab
    from .lab.executors import DaskExecutor, Executor, LocalExecutor, ProcessExecutor
    from .lab.experiment import Experiment, Target
    from .lab.runner import ExperimentMismatchError, run_experiment
    from .lab.summary import summarise

    loaded = load(scenario)
    s = loaded.scenario
    if workers and scheduler:
        print("give --workers or --scheduler, not both", file=sys.stderr)
        raise typer.Exit(2)
    chosen_model = model or ("bdm" if "bdm" in available_models() else "compromise")
    try:
        targets = tuple(Target.parse(t) for t in (target or [str(g) for g in s.targets]))
        experiment = Experiment(
            scenario=s,
            strategies=tuple(strategy or [x.id for x in s.strategies]),
            client=client or s.client or "",
            draws=draws,
            seed=rng,
            model=chosen_model,
            rounds=rounds,
            targets=targets,
            shard_size=shard_size,
        )
    except (ValueError, KeyError) as exc:
        print(f"{loaded.source}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    if not experiment.strategies:
        print(f"{loaded.source}: the scenario defines no strategies", file=sys.stderr)
        raise typer.Exit(2)
    executor: Executor = (
        DaskExecutor(scheduler) if scheduler else ProcessExecutor(workers) if workers else LocalExecutor()
    )
    out_path = out_dir or Path("out") / f"lab-{s.id}-{experiment.key()}"
    with _progress_bar("lab", quiet) as bar:
        task = bar.add_task("shards", total=experiment.n_shards)
        try:
            manifest = run_experiment(
                experiment,
                out_path,
                executor=executor,
                source={loaded.source: loaded.sha256},
                progress=lambda done, total: bar.update(task, completed=done),
            )
        except ExperimentMismatchError as exc:
            print(str(exc), file=sys.stderr)
            raise typer.Exit(2) from None
    summary = summarise(out_path, list(experiment.strategies), experiment.targets)
    result = {
        "scenario": s.id,
        "model": chosen_model,
        "client": experiment.client,
        "seed": rng,
        "out": str(out_path),
        "manifest_status": manifest["status"],
        **summary.to_json_dict(),
    }
    if discover:
        from .lab.discovery import discover as run_discovery

        if not experiment.targets:
            print("--discover needs a target (--target ISSUE>=X)", file=sys.stderr)
            raise typer.Exit(2)
        result["discovery"] = {}
        for strat in experiment.strategies:
            found = run_discovery(out_path, experiment, strat, max_dims=box_inputs)
            result["discovery"][strat] = found.to_json_dict()
    write_json(out_path / "summary.json", result)
    if format is OutputFormat.json:
        print(json.dumps(result, indent=2))
    else:
        print_lab(out, s, result)


@app.command()
@user_errors
def sensitivity(
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option(help="sobol (first-order and total indices) or morris (screening).")] = "sobol",
    strategy: Annotated[str | None, typer.Option(help="Strategy to analyse (default: the first).")] = None,
    client: Annotated[
        str | None, typer.Option(help="Actor whose utility is an outcome (default: the scenario's).")
    ] = None,
    n: Annotated[int, typer.Option(min=4, help="Base sample size (Sobol: N·(k+2) model runs).")] = 256,
    model: Annotated[
        str | None, typer.Option(help="Forecast model (default: bdm if available, else compromise).")
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=0)] = None,
    rng: Annotated[int, typer.Option("--rng", help="Seed.")] = 0,
    top: Annotated[int, typer.Option(min=1, help="Inputs shown per outcome in the table.")] = 8,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
) -> None:
    """Which uncertain inputs drive each outcome (SALib), with 95% confidence half-widths."""
    from .console import print_sensitivity
    from .lab.sensitivity import scenario_sensitivity

    if method not in ("sobol", "morris"):
        print("--method is sobol or morris", file=sys.stderr)
        raise typer.Exit(2)
    loaded = load(scenario)
    s = loaded.scenario
    chosen = strategy or (s.strategies[0].id if s.strategies else None)
    who = client or s.client
    problems = []
    if chosen is None or chosen not in {x.id for x in s.strategies}:
        problems.append(f"unknown or missing strategy {chosen!r}")
    if who is None or who not in {a.id for a in s.actors}:
        problems.append(f"unknown or missing client {who!r} (use --client)")
    if problems:
        for p in problems:
            print(f"{loaded.source}: {p}", file=sys.stderr)
        raise typer.Exit(2)
    assert chosen is not None and who is not None
    chosen_model = model or ("bdm" if "bdm" in available_models() else "compromise")
    try:
        result = scenario_sensitivity(
            s,
            strategy=chosen,
            client=who,
            model=chosen_model,
            rounds=rounds,
            method="sobol" if method == "sobol" else "morris",
            n=n,
            seed=rng,
        )
    except ValueError as exc:
        print(f"{loaded.source}: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    data = {"scenario": s.id, "strategy": chosen, "model": chosen_model, **result.to_json_dict()}
    if format is OutputFormat.json:
        print(json.dumps(data, indent=2))
    else:
        print_sensitivity(out, result, chosen, chosen_model, top)


def _chromium() -> str | None:
    import shutil

    for name in (os.environ.get("REALPOLITIK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


def _print_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf`` with headless Chromium (written atomically); return a problem, or None."""
    import subprocess
    import tempfile

    exe = _chromium()
    if exe is None:
        return "--pdf: Chromium was not found (install it or set REALPOLITIK_CHROMIUM); the HTML brief is complete"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".tmp", dir=pdf.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tempfile.TemporaryDirectory(prefix="realpolitik-chromium-") as profile:
            proc = subprocess.run(
                [
                    exe,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={tmp}",
                    html.resolve().as_uri(),
                ],
                capture_output=True,
                timeout=120,
            )
        if proc.returncode != 0 or tmp.stat().st_size == 0:
            return f"--pdf: Chromium exited with status {proc.returncode}; the HTML brief is complete"
        os.replace(tmp, pdf)
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--pdf: {type(exc).__name__}: {exc}; the HTML brief is complete"
    finally:
        tmp.unlink(missing_ok=True)


@app.command()
@user_errors
def brief(
    scenario: ScenarioArg,
    events: Annotated[
        Path | None, typer.Option("--events", help="Event workspace (DuckDB) for the evidence section.")
    ] = None,
    draws: Annotated[int, typer.Option(min=1, help="Monte Carlo draws for forecast bands and the lab.")] = 200,
    rng: Annotated[int, typer.Option("--rng", help="Seed of every random step (recorded in the manifest).")] = 0,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: out/brief-SCENARIO-ID).")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Forecast model (repeatable; default: all).")
    ] = None,
    target: Annotated[list[str] | None, typer.Option(help="ISSUE>=X or ISSUE<=X (default: the scenario's).")] = None,
    sensitivity_n: Annotated[
        int, typer.Option("--sensitivity-n", min=0, help="Morris trajectories for the drivers (0 skips).")
    ] = 10,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print brief.pdf with headless Chromium.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Build the brief: one offline HTML report with figures, a Markdown summary, data.json and a manifest."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .brief import BriefError, build_brief

    loaded = load(scenario)
    if events is not None and not events.is_file():
        print(f"{events}: no such event workspace", file=sys.stderr)
        raise typer.Exit(2)
    target_dir = out_dir or Path("out") / f"brief-{loaded.scenario.id}"
    with Progress(
        SpinnerColumn(),
        TextColumn("brief: {task.description}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=None)
        try:
            result = build_brief(
                loaded,
                out_dir=target_dir,
                draws=draws,
                rng=rng,
                events_workspace=events,
                models=model or None,
                targets=target or None,
                sensitivity_n=sensitivity_n,
                progress=lambda phase: bar.update(task, description=phase),
            )
        except BriefError as exc:
            print(str(exc), file=sys.stderr)
            raise typer.Exit(2) from None
    print(f"brief: {result.html}")
    if pdf:
        problem = _print_pdf(result.html, result.out_dir / "brief.pdf")
        if problem:
            print(problem, file=sys.stderr)
            raise typer.Exit(1)
        print(f"pdf: {result.out_dir / 'brief.pdf'}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; beyond loopback a token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Event workspace (DuckDB); uploads and jobs go beside it."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="REALPOLITIK_TOKEN", show_envvar=True, help="Token required on every request."),
    ] = None,
) -> None:
    """The dashboard and REST API (OpenAPI at /docs); loopback only unless a token is given."""
    from .web import serve as run_server
    from .web.app import is_loopback

    token = token or None
    if not is_loopback(host) and not token:
        print(f"binding to {host} needs a token: pass --token or set REALPOLITIK_TOKEN", file=sys.stderr)
        raise typer.Exit(2)
    if workspace is not None and not workspace.is_file():
        print(f"{workspace}: no event workspace yet; event endpoints answer 404 until it exists", file=sys.stderr)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"serving on {url}" + ("?token=..." if token else ""), file=sys.stderr)
    try:
        run_server(host=host, port=port, workspace=workspace, token=token)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(2) from None


def _mount_subcommands() -> None:
    try:
        from .events.cli import app as events_app
        from .events.cli import check_command
    except ImportError:  # the event monitor is optional until its module lands
        return
    app.add_typer(events_app, name="events", help="Event data: ingest, dyad indicators, alerts.")
    app.command(name="check")(check_command)


_mount_subcommands()


def main() -> None:
    """Console entry point: no traceback reaches the user unless REALPOLITIK_DEBUG is set."""
    try:
        app()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("REALPOLITIK_DEBUG"):
            raise
        print(
            f"realpolitik: internal error: {type(exc).__name__}: {exc} (set REALPOLITIK_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(1)
