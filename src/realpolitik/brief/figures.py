"""The brief's figures, drawn with matplotlib's object API (no pyplot state, so the web server can draw too).

Each function returns a :class:`~matplotlib.figure.Figure`; :func:`render` turns it into an SVG string that
can be inlined in an offline HTML page and PNG bytes for slides. Charts label actors by their scenario ids (a
key in the page maps ids to names) because full names do not fit beside a marker.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..scenario.model import Scenario
from ..workflows.brief_data import LabData, ModelForecast
from ..workflows.text import input_label

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
QUAD_COLOURS = {1: "#56B4E9", 2: "#009E73", 3: "#E69F00", 4: "#D55E00", 0: "#999999"}
QUAD_NAMES = {1: "verbal coop.", 2: "material coop.", 3: "verbal conflict", 4: "material conflict", 0: "unknown"}
RC: Any = {  # typed Any: matplotlib types rc keys as a Literal union
    "svg.fonttype": "none",
    "svg.hashsalt": "realpolitik",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
}


def _grid(n: int, cols: int = 2) -> tuple[int, int]:
    cols = min(cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _figure(n_panels: int, *, cols: int = 2, height: float = 3.2, width: float = 10.0) -> tuple[Figure, list[Any]]:
    rows, cols = _grid(n_panels, cols)
    fig = Figure(figsize=(width, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def title(text: str, width: int = 58) -> str:
    """Long issue names wrap instead of running off the panel."""
    return textwrap.fill(text, width)


def render(fig: Figure) -> tuple[str, bytes]:
    """(inline SVG markup scaled to its container, PNG bytes)."""
    import matplotlib

    with matplotlib.rc_context(RC):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=110)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="fig" role="img"', svg, count=1)
    return svg, png.getvalue()


def label_offsets(
    labels: Sequence[tuple[str, float, float]],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    size: tuple[float, float] = (330.0, 190.0),
    char: float = 3.9,
    line: float = 9.0,
) -> list[tuple[float, float]]:
    """Offsets (points) for marker labels so that their boxes do not overlap: a greedy upward nudge.

    Each label starts 4 points up and right of its marker; a label whose box would cross one already placed moves
    up one line at a time (at most eight). ``size`` is the panel's approximate size in points, enough for an
    estimate of where text lands; it is not a layout engine.
    """
    (x0, x1), (y0, y1) = xlim, ylim
    wx, wy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(labels)
    order = sorted(range(len(labels)), key=lambda k: (labels[k][2], labels[k][1]))
    for k in order:
        text, x, y = labels[k]
        px, py = (x - x0) / wx * size[0] + 4, (y - y0) / wy * size[1]
        w = char * len(text)
        dy = 4.0
        for _ in range(8):
            box = (px, py + dy, px + w, py + dy + line)
            if not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed):
                break
            dy += line
        placed.append((px, py + dy, px + w, py + dy + line))
        out[k] = (4.0, dy)
    return out


def actor_map(scenario: Scenario) -> Figure:
    """Per issue: position (x, with its range) × capability (y), marker area ∝ salience; status quo dashed."""
    fig, axes = _figure(len(scenario.issues))
    scale = scenario.salience_scale
    for ax, issue in zip(axes, scenario.issues, strict=True):
        labels: dict[tuple[float, float], list[str]] = {}
        for k, actor in enumerate(scenario.actors):
            st = scenario.stance(actor.id, issue.id)
            if st is None:
                continue
            x, y = st.position.value, actor.capability.value
            colour = PALETTE[k % len(PALETTE)]
            xerr = [
                [x - (st.position.low if st.position.low is not None else x)],
                [(st.position.high if st.position.high is not None else x) - x],
            ]
            ax.errorbar(x, y, xerr=xerr, fmt="none", ecolor=colour, alpha=0.5, lw=1)
            ax.scatter([x], [y], s=30 + 400 * st.salience.value / scale, color=colour, alpha=0.75, edgecolors="white")
            labels.setdefault((x, y), []).append(actor.id)
        ys = [y for _, y in labels] or [0.0]
        ylo, yhi = min(ys), max(ys)
        offsets = label_offsets(
            [(", ".join(ids), x, y) for (x, y), ids in labels.items()],
            (issue.scale.low, issue.scale.high),
            (ylo - 0.1 * (yhi - ylo or 1), yhi + 0.1 * (yhi - ylo or 1)),
        )
        # actors at the same point share one label; labels that would overprint are nudged apart vertically
        for ((x, y), ids), (dx, dy) in zip(labels.items(), offsets, strict=True):
            ax.annotate(
                ", ".join(ids),
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=7,
                arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.5} if dy != 4 else None,
            )
        if issue.status_quo is not None:
            ax.axvline(issue.status_quo.value, color="grey", ls="--", lw=1, label="status quo")
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        ax.set_xlim(
            issue.scale.low - 0.08 * (issue.scale.high - issue.scale.low),
            issue.scale.high + 0.08 * (issue.scale.high - issue.scale.low),
        )
        if issue.scale.anchors:
            ax.set_xticks([a.value for a in issue.scale.anchors])
        ax.set_title(title(issue.name), loc="left")
        ax.set_xlabel("position" + (f" ({issue.scale.unit})" if issue.scale.unit else ""))
        ax.set_ylabel("capability")
        ax.grid(alpha=0.3)
    return fig


def channel_network(scenario: Scenario) -> Figure:
    """Who can bargain with whom, as a labelled matrix: each cell is the channel's strength (listed links as
    written, every other pair at the scenario's default), so every pair can be read off, not guessed from lines."""
    from ..models.arrays import channel_matrix

    links = [[link.strength.value for link in scenario.channels.links]]
    strength = channel_matrix(scenario, links)[0]
    names = [a.id for a in scenario.actors]
    n = len(names)
    fig = Figure(figsize=(min(2.0 + 0.55 * n, 10.0), min(1.6 + 0.5 * n, 9.0)), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(strength, vmin=0, vmax=1, cmap="Blues")
    listed = {tuple(link.between) for link in scenario.channels.links}
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            mark = "" if (names[i], names[j]) in listed or (names[j], names[i]) in listed else "·"
            ax.text(
                j,
                i,
                f"{strength[i, j]:.1f}{mark}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if strength[i, j] > 0.6 else "black",
            )
    ax.set_xticks(range(n), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), names, fontsize=8)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    fig.colorbar(image, ax=ax, shrink=0.7, label="channel strength (0 none, 1 full)")
    default = scenario.channels.default.value
    ax.set_title(f"Bargaining channels (· = not listed: the default {default:g})", loc="left")
    return fig


def anchor_ticks(ax: Any, issue: Any, axis: str = "x") -> None:
    """Tick the issue's labelled points with their words, so a position reads as what it means."""
    anchors = issue.scale.anchors
    if not anchors:
        return
    labels = [f"{a.value:g}\n" + textwrap.shorten(a.label, 40, placeholder="…") for a in anchors]
    if axis == "x":
        ax.set_xticks([a.value for a in anchors], [textwrap.fill(lab, 16) for lab in labels], fontsize=6.5)
    else:
        wrapped = [textwrap.fill(lab.replace("\n", " ", 1), 22) for lab in labels]
        ax.set_yticks([a.value for a in anchors], wrapped, fontsize=6)


def model_comparison(scenario: Scenario, forecasts: Sequence[ModelForecast]) -> Figure:
    """Per issue: each model's point forecast (dot) and 5–95% band over the inputs' ranges (bar)."""
    fig, axes = _figure(len(scenario.issues), height=0.45 * len(forecasts) + 1.6)
    ok = [f for f in forecasts if f.error is None]
    for i, (ax, issue) in enumerate(zip(axes, scenario.issues, strict=True)):
        for j, f in enumerate(ok):
            x = float(f.trajectory.forecast[0, i])
            if issue.id in f.band:
                lo, _, hi = f.band[issue.id]
                ax.plot([lo, hi], [j, j], color=PALETTE[j % len(PALETTE)], lw=5, alpha=0.3, solid_capstyle="butt")
            ax.plot([x], [j], "o", color=PALETTE[j % len(PALETTE)])
        if issue.status_quo is not None:
            ax.axvline(issue.status_quo.value, color="grey", ls="--", lw=1)
        ax.set_yticks(range(len(ok)), [f.name for f in ok])
        ax.set_ylim(-0.6, len(ok) - 0.4)
        ax.invert_yaxis()
        ax.set_xlim(issue.scale.low, issue.scale.high)
        anchor_ticks(ax, issue)
        ax.set_title(title(issue.name), loc="left")
        ax.grid(axis="x", alpha=0.3)
    return fig


def position_paths(scenario: Scenario, forecast: ModelForecast) -> Figure:
    """Per issue: each actor's position round by round, labelled at its end (no legend to decode), and the
    outcome by the issue's decision structure (thick)."""
    from ..models.decision import rule_outcomes
    from ..models.voice import voice

    traj = forecast.trajectory
    arrays = traj.arrays
    fig, axes = _figure(len(scenario.issues), height=3.4)
    weights = voice(arrays)
    outcome = np.stack(
        [
            rule_outcomes(arrays.issue_rules, traj.positions[:, r], weights, arrays.status_quo)[0]
            for r in range(traj.rounds + 1)
        ]
    )  # (R+1, I)
    rounds = np.arange(traj.rounds + 1)
    for i, (ax, issue) in enumerate(zip(axes, scenario.issues, strict=True)):
        ends = []
        for k, actor in enumerate(arrays.actor_ids):
            if arrays.present[k, i]:
                ax.plot(rounds, traj.positions[0, :, k, i], color=PALETTE[k % len(PALETTE)], lw=0.9, alpha=0.7)
                ends.append((actor, float(traj.positions[0, -1, k, i]), k))
        _label_ends(ax, ends, rounds[-1], issue.scale.high - issue.scale.low)
        rule = arrays.issue_rules[i].rule
        ax.plot(rounds, outcome[:, i], color="black", lw=2.5, label=f"outcome ({rule.replace('_', ' ')})")
        ax.set_ylim(issue.scale.low, issue.scale.high)
        ax.set_xlim(0, max(rounds[-1], 1) * 1.25)
        anchor_ticks(ax, issue, axis="y")
        ax.set_xlabel("round of bargaining (model steps, not calendar time)")
        ax.set_title(title(issue.name), loc="left")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    return fig


def _label_ends(ax: Any, ends: list[tuple[str, float, int]], x: float, span: float) -> None:
    """Actor ids at the right end of their lines, nudged apart so that none overlaps another."""
    placed: list[float] = []
    gap = 0.045 * span
    for actor, y, k in sorted(ends, key=lambda e: e[1]):
        at = max(y, placed[-1] + gap) if placed else y
        placed.append(at)
        ax.annotate(
            actor,
            (x, y),
            xytext=(x + 0.03 * max(x, 1), at),
            fontsize=6.5,
            va="center",
            color=PALETTE[k % len(PALETTE)],
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "grey"},
        )


def strategy_outcomes(scenario: Scenario, lab: LabData) -> Figure:
    """Per issue: the outcome's distribution over draws under each strategy (box: quartiles, whiskers 5–95%)."""
    strategies = list(lab.outcomes)
    fig, axes = _figure(len(scenario.issues), height=0.4 * len(strategies) + 1.6)
    targets = lab.targets
    for ax, issue in zip(axes, scenario.issues, strict=True):
        data = [lab.outcomes[s].get(issue.id, np.array([])) for s in strategies]
        ax.boxplot(
            data,
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            tick_labels=strategies,
            medianprops={"color": "black"},
            patch_artist=True,
            boxprops={"facecolor": "#56B4E955"},
        )
        for t in targets:
            if t.startswith(issue.id + ">=") or t.startswith(issue.id + "<="):
                ax.axvline(float(t[len(issue.id) + 2 :]), color="#D55E00", lw=1.5, label=f"target {t}")
                ax.legend(loc="upper left", fontsize=7, frameon=True, framealpha=0.9)
        ax.invert_yaxis()
        ax.set_xlim(issue.scale.low, issue.scale.high)
        anchor_ticks(ax, issue)
        ax.set_title(title(issue.name), loc="left")
        ax.grid(axis="x", alpha=0.3)
    return fig


def strategy_scores(lab: LabData) -> Figure:
    """Expected utility and P[reaching the targets], each with its 95 % bootstrap interval over draws; leading
    strategies (those the draws cannot tell apart from the best) filled, the others hollow."""
    ranking = lab.summary.get("ranking", {})
    criteria = [c for c in ("expected_utility", "p_satisficing") if c in ranking]
    names = [r["strategy"] for r in lab.summary["strategies"]]
    fig, axes = _figure(len(criteria), height=0.45 * len(names) + 1.6)
    y = np.arange(len(names))
    titles = {
        "expected_utility": f"{lab.client}: expected utility",
        "p_satisficing": "P[" + " & ".join(lab.targets) + "]",
    }
    for ax, criterion in zip(axes, criteria, strict=True):
        r = ranking[criterion]
        v = np.array([r["values"][s]["value"] for s in names])
        ci = np.array([r["values"][s]["ci95"] for s in names])
        ax.errorbar(v, y, xerr=[v - ci[:, 0], ci[:, 1] - v], fmt="none", ecolor="black", capsize=3)
        lead = np.array([s in r["leading_set"] for s in names])
        ax.scatter(v[lead], y[lead], color="#0072B2", zorder=3, label="leading set")
        ax.scatter(v[~lead], y[~lead], facecolors="white", edgecolors="#0072B2", zorder=3, label="others")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_title(titles[criterion] + " (95% interval)", loc="left")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
    return fig


def sensitivity_bars(lab: LabData) -> Figure:
    """Per outcome: the ten inputs with the largest Morris μ* and their 95% half-widths."""
    fig, axes = _figure(len(lab.sensitivity), cols=1, height=3.0, width=9.0)
    for ax, (outcome, ranked) in zip(axes, lab.sensitivity.items(), strict=True):
        names = [textwrap.shorten(input_label(lab.scenario, r[0]), 60) if lab.scenario else r[0] for r in ranked]
        y = np.arange(len(ranked))
        ax.barh(y, [r[1] for r in ranked], xerr=[r[2] for r in ranked], color="#CC79A7", alpha=0.7, capsize=2)
        ax.set_yticks(y, names, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(outcome, loc="left")
        ax.set_xlim(left=0)
        ax.set_xlabel("μ* (utility units, 0–1 scale)")
        ax.grid(axis="x", alpha=0.3)
    return fig


def events_monthly(evidence: dict[str, Any]) -> Figure:
    """Events per month, stacked by CAMEO quad class."""
    months = sorted({r["month"] for r in evidence["monthly"]})
    fig = Figure(figsize=(10.0, 3.2), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(months))
    index = {m: k for k, m in enumerate(months)}
    for q in (1, 2, 3, 4, 0):
        counts = np.zeros(len(months))
        for r in evidence["monthly"]:
            if r["quad_class"] == q:
                counts[index[r["month"]]] = r["events"]
        if counts.any():
            ax.bar(range(len(months)), counts, bottom=bottom, color=QUAD_COLOURS[q], label=QUAD_NAMES[q])
            bottom += counts
    step = max(1, len(months) // 12)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    ax.set_ylabel("events")
    ax.legend(fontsize=7, frameon=False, ncols=5)
    ax.set_title("Events in the workspace per month, by CAMEO quad class", loc="left")
    return fig
