"""Turn :class:`BriefData` and rendered figures into the HTML page and the Markdown summary.

Why Jinja with autoescaping: scenario text comes from users (uploaded files in the web app), so every string
is escaped unless it is our own markup (the figures' SVG and the citation links), and only http(s) URLs
become links.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..provenance import package_versions
from ..scenario.model import Issue
from ..workflows import text
from ..workflows.brief_data import BriefData, ModelForecast
from ..workflows.diagnostics import look_ahead, round_zero
from ..workflows.text import CAVEAT

GLOSSARY = {
    "expected_utility": (
        "Expected utility",
        "The client's utility averaged over the draws: 1 minus its salience-weighted distance, as a share of each "
        "scale, from its own stated positions. Higher is better for the client.",
    ),
    "p_best": ("P[best]", "The share of draws in which the strategy gives the client the highest utility of all."),
    "p_satisficing": (
        "P[targets] (satisficing)",
        "The share of draws in which every target level is reached: a strategy that is good enough, not the best.",
    ),
    "mean_regret": (
        "Mean regret",
        "Regret in a draw is how much utility the client loses against the best strategy in that same draw; the "
        "mean is over the draws. Lower is better.",
    ),
    "regret_q90": (
        "Regret, 90 % quantile",
        "The regret the strategy stays below in 90 % of draws: a robustness criterion for the bad cases. It replaces "
        "maximum regret, which the draws cannot estimate with an interval.",
    ),
    "leading_set": (
        "Leading set",
        "Every strategy whose paired difference to the best under a criterion has a 95 % interval containing zero.",
    ),
}
"""Every criterion the brief and the dashboard report, in plain language."""


@dataclass(frozen=True)
class Rendered:
    """One figure as inline SVG markup plus its PNG bytes."""

    svg: str
    png: bytes


def safe_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def _cite(ids: list[str] | None) -> Markup:
    if not ids:
        return Markup("")
    links = ", ".join(f'<a href="#src-{escape(i)}">{escape(i)}</a>' for i in ids)
    return Markup(f'<span class="src">[{links}]</span>')


def outside_band(f: ModelForecast, k: int, issue_id: str) -> bool:
    """Whether the point forecast (central inputs) lies outside the model's own 5–95% band over input draws."""
    if issue_id not in f.band or f.error:
        return False
    x = float(f.trajectory.forecast[0, k])
    lo, _, hi = f.band[issue_id]
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    return x < lo - tol or x > hi + tol


def _index(data: BriefData, issue: Issue) -> int:
    return [i.id for i in data.scenario.issues].index(issue.id)


def rule_text(issue: Issue) -> str:
    """The issue's decision structure in words (who decides)."""
    d = issue.rule
    if d.rule in ("median", "mean"):
        return f"weighted {d.rule} of all positions"
    if d.rule == "owner":
        return f"owner: {', '.join(d.owner)} decides{' (as one, ' + d.base + ')' if len(d.owner) > 1 else ''}"
    if d.rule == "veto":
        return f"weighted {d.base}, within what veto players {', '.join(d.players)} accept"
    threshold = max(d.share or 0.0, 1 - d.blocking if d.blocking is not None else 0.0)
    return "unanimity" if threshold >= 1 else f"qualified majority of {threshold:.0%} of the weight"


def ranking_agreement(rankings: dict[str, list[str]]) -> str:
    """One neutral sentence on whether the ranking criteria agree on the leading strategy."""
    leaders = {name: order[0] for name, order in rankings.items() if order}
    if len(set(leaders.values())) == 1:
        (lead,) = set(leaders.values())
        return (
            f"All {len(leaders)} criteria put {lead} first under these inputs and this model; that is a property "
            "of the model's estimates, not a recommendation."
        )
    parts = ", ".join(f"{v} by {k.replace('_', ' ')}" for k, v in leaders.items())
    return f"The criteria disagree on which strategy leads ({parts}): the ranking depends on the criterion."


def command_line(data: BriefData) -> str:
    cmd = f"realpolitik brief {data.source.removesuffix('.yaml') if '/' not in data.source else data.source}"
    cmd += f" --draws {data.draws} --rng {data.seed}"
    if data.events is not None:
        cmd += f" --events {data.events['workspace']}"
    if data.since is not None:
        cmd += f" --since {data.since.diff.old.source}"
    return cmd


def render_html(data: BriefData, figs: dict[str, Rendered | None], paths: list[tuple[str, Rendered]]) -> str:
    env = Environment(loader=PackageLoader("realpolitik.brief", "templates"), autoescape=select_autoescape(["j2"]))
    env.globals.update(
        est=text.estimate,
        cite=_cite,
        safe_url=safe_url,
        num=lambda v: text.MISSING if v is None or v != v else f"{v:.2f}",
        signed=text.signed,
    )
    return env.get_template("brief.html.j2").render(**_context(data, figs, paths))


def _context(data: BriefData, figs: dict[str, Rendered | None], paths: list[tuple[str, Rendered]]) -> dict[str, Any]:
    """Everything the page template reads."""
    s = data.scenario

    def fc(f: ModelForecast, issue: Issue) -> str:
        i = _index(data, issue)
        x = float(f.trajectory.forecast[0, i])
        shown = text.interval(x, *f.band[issue.id][::2]) if issue.id in f.band else f"{x:.1f}"
        return shown + (" †" if outside_band(f, i, issue.id) else "")

    def anchor(f: ModelForecast, issue: Issue) -> str:
        return text.anchor(issue, float(f.trajectory.forecast[0, _index(data, issue)])) or text.MISSING

    outside = [
        f"{f.name} on {issue.name}"
        for f in data.forecasts
        for k, issue in enumerate(s.issues)
        if outside_band(f, k, issue.id)
    ]
    lab = data.lab
    context: dict[str, Any] = {
        "outside": outside,
        "round_zero": round_zero(s),
        "bottom": data.bottom_line,
        "across": data.across_models,
        "glossary": GLOSSARY,
        "glossary_name": {k: v[0] for k, v in GLOSSARY.items()},
        "look_ahead": look_ahead(s),
        "rule_text": rule_text,
        "in_effect": text.in_effect_lines(lab.summary["strategies"]) if lab else [],
        "s": s,
        "version": __version__,
        "versions": package_versions(),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seed": data.seed,
        "draws": data.draws,
        "caveat": CAVEAT,
        "description": [p.strip() for p in s.description.split("\n\n") if p.strip()],
        "targets": lab.targets if lab else [],
        "actor_name": {a.id: a.name for a in s.actors},
        "strategy_name": {x.id: x.name or x.id for x in s.strategies},
        "strategy_ivs": {x.id: ", ".join(x.interventions) or "(none: status quo)" for x in s.strategies},
        "forecasts": sorted(data.forecasts, key=lambda f: f.name != data.default_name),
        "default_model": data.default_name,
        "default_reason": data.default_reason,
        "scored": {row["model"]: row for row in data.scored},
        "fc": fc,
        "anchor": anchor,
        "fig": figs,
        "paths": paths,
        "lab": lab,
        "lab_note": data.lab_note,
        "agreement": ranking_agreement(lab.summary["rankings"]) if lab else "",
        "events": data.events,
        "source": data.source,
        "sha256": data.sha256,
        "command": command_line(data),
    }
    context.update(living_context(data))
    return context


def living_context(data: BriefData) -> dict[str, Any]:
    """What the sections on issue indicators and on the changes since an older version read."""
    from ..workflows.diff import band_text, lab_text

    return {"since": data.since, "indicators": data.indicators, "band_text": band_text, "lab_text": lab_text}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINK_END = re.compile(r"(\\*)\]([(\[])")
_MD_BLOCK_START = re.compile(r"^((?:\s*(?:[-*+]|\d{1,9}[.)]|>))*\s*)\[")


def md_text(value: object) -> str:
    """Scenario text as Markdown that shows it as written: one line, its Markdown punctuation backslash-escaped,
    ``<`` and ``>`` as entities (so no HTML, link, image, emphasis or table cell can come from it)."""
    flat = " ".join(str(value).splitlines())
    return _MD_SPECIAL.sub(r"\\\1", flat).replace("<", "&lt;").replace(">", "&gt;")


def md_line(line: str) -> str:
    """A line of the summary that may hold scenario text amid our own Markdown: kept on one line, no HTML or
    autolink (``<`` as an entity), no link or image (``](`` and ``][`` escaped) and no link definition (a ``[``
    that opens the line or its list item escaped)."""
    flat = " ".join(line.splitlines()) if line else line
    flat = _MD_BLOCK_START.sub(r"\1\\[", flat.replace("<", "&lt;"))
    return _MD_LINK_END.sub(lambda m: m[1] + ("" if len(m[1]) % 2 else "\\") + "]" + m[2], flat)


def render_markdown(data: BriefData) -> str:
    """A short plain-text summary for e-mail or a ticket; the HTML page holds the full brief."""
    s = data.scenario
    lines = [
        f"# Brief: {md_text(s.title)}",
        "",
        f"Scenario `{s.id}`" + (f", numbers as of {s.as_of}" if s.as_of else "") + ".",
        "",
        f"> {CAVEAT}",
    ]
    if data.bottom_line is not None:
        b = data.bottom_line
        lines += ["", "## Bottom line", "", b.headline, ""] + [f"- {x}" for x in b.strategies + b.targets + b.agreement]
        lines += ["", b.horizon]
    lines += _md_forecasts(data) + _md_lab(data) + _md_events(data)
    lines += _md_living(data)
    lines += [
        "",
        "## Reproduce",
        "",
        f"    {command_line(data)}",
        "",
        f"Scenario sha256 `{data.sha256}`; see manifest.json for versions and output hashes.",
        "",
    ]
    return "\n".join(md_line(x) for x in lines)


def _md_forecasts(data: BriefData) -> list[str]:
    s = data.scenario
    lines = [
        "",
        "## Forecasts by model",
        "",
        "Point forecast [5%–95% over input draws].",
        "",
        "| model | " + " | ".join(md_text(i.name) for i in s.issues) + " |",
        "|---|" + "---:|" * len(s.issues),
    ]
    for f in data.forecasts:
        if f.error:
            lines.append(f"| {f.name} | " + " | ".join("failed" for _ in s.issues) + " |")
            continue
        cells = []
        for k, issue in enumerate(s.issues):
            x = float(f.trajectory.forecast[0, k])
            cell = text.interval(x, *f.band[issue.id][::2]) if issue.id in f.band else f"{x:.1f}"
            cells.append(cell + (" †" if outside_band(f, k, issue.id) else ""))
        lines.append(f"| {f.name} | " + " | ".join(cells) + " |")
    if any(outside_band(f, k, i.id) for f in data.forecasts for k, i in enumerate(s.issues)):
        lines += [
            "",
            "† The point forecast uses the inputs' central values; the band is the spread over input draws, so a "
            "point forecast can fall outside its own band.",
        ]
    zero = round_zero(s)
    if zero:
        lines += ["", "Before any bargaining:", ""] + [f"- {r.sentence()}" for r in zero]
    return lines


def _md_lab(data: BriefData) -> list[str]:
    lines = ["", "## Strategy comparison", ""]
    lab = data.lab
    if lab is None:
        return [*lines, data.lab_note]
    lines += [f"Model `{lab.model}`, {lab.draws} draws, seed {lab.seed}, utility of `{lab.client}`.", ""]
    ranking = lab.summary["ranking"]
    lines += [
        "| strategy | " + " | ".join(f"{GLOSSARY[c][0]} [95%]" for c in ranking) + " |",
        "|---|" + "---:|" * len(ranking),
    ]
    for r in lab.summary["strategies"]:
        cells = []
        for c in ranking.values():
            v = c["values"][r["strategy"]]
            star = " ★" if r["strategy"] in c["leading_set"] else ""
            cells.append(f"{v['value']:.3f}{star} [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]")
        lines.append(f"| {r['strategy']} | " + " | ".join(cells) + " |")
    lines += ["", "★ the leading set: strategies whose paired difference to the best has a 95 % interval containing 0."]
    lines += [f"- {line}" for line in text.in_effect_lines(lab.summary["strategies"])]
    lines.append("")
    for c in ranking.values():
        lines.append(f"- leading set by {GLOSSARY[c['criterion']][0].lower()}: " + ", ".join(c["leading_set"]))
    for outcome, ranked in lab.sensitivity.items():
        lines.append(f"- drivers of {outcome}: " + ", ".join(f"{n} (μ* {v:.3f})" for n, v, _ in ranked[:5]))
    return lines


def _md_events(data: BriefData) -> list[str]:
    lines = ["", "## Event evidence", ""]
    ev = data.events
    if ev is None:
        return [*lines, "No event workspace was given; skipped."]
    lines.append(
        f"{ev.get('total', 0)} events in `{ev['workspace']}`"
        + (f" from {ev['first']} to {ev['last']}." if "first" in ev else ".")
    )
    lines += [f"- {n}" for n in ev["notes"]]
    if ev.get("trends"):
        lines += ["", f"Dyad trends among the scenario's actors (per {ev.get('freq', 'month')}):", ""]
        lines += ["| dyad | source | periods | events | net coop. |", "|---|---|---:|---:|---:|"]
        for t in ev["trends"]:
            dyad = f"{', '.join(t['scenario_a'])} – {', '.join(t['scenario_b'])}"
            lines.append(f"| {dyad} | {t['source']} | {t['periods']} | {t['events']} | {text.signed(t['net_coop'])} |")
        alerts = ev.get("alerts") or []
        lines += ["", f"{len(alerts)} alert(s) on these dyads."]
        for a in alerts:
            lines.append(
                f"- {a['actor_a']}–{a['actor_b']} ({a['source']}, {a['metric']}): {a['kind']} from {a['period']}"
            )
    check = ev.get("check")
    if check:
        lines += ["", f"Assumption check: {len(check['findings'])} finding(s). {check['caveat']}"]
        if check["note"]:
            lines.append(check["note"])
        lines += [f"- [{f['kind']}] {f['message']}" for f in check["findings"]]
    return lines


def _md_living(data: BriefData) -> list[str]:
    """Issue indicators (observed levels, bands, signposts) and, with --since, what changed and how it moved."""
    from ..workflows.indicators import brief_lines

    lines = []
    if data.indicators is not None:
        lines += ["", "## Issue indicators", "", *brief_lines(data.indicators, data.scenario)]
    if data.since is not None:
        lines += data.since.markdown_lines()
    return lines
