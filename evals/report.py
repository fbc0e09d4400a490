"""The HTML report a coach can read: headline figures, charts (matplotlib PNGs inlined), every case, failures first."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2

from evals.compare import Change

TEMPLATES = Path(__file__).resolve().parent / "templates"
HEADLINE = [("retrieval.hit@5", "Right article in the top 5"), ("retrieval.mrr", "Mean reciprocal rank"),
            ("risk.urgent.recall", "Urgent messages caught"),
            ("risk_held_out.urgent.resourced", "New wording: urgent messages given crisis lines"),
            ("risk.false_urgent_rate", "False alarms (lower is better)"),
            ("scope.accuracy", "Scope decisions right"), ("answers.key_point_coverage", "Key points covered"),
            ("answers.groundedness", "Answer sentences grounded"), ("answers.citation_validity", "Citations valid"),
            ("disagreements.coverage", "Disagreements shown with both sides"),
            ("replies.key_point_coverage", "Comment replies: key points")]


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def charts(summary: dict, baseline: dict | None) -> dict[str, str]:
    """Metric bars (with the baseline as markers), the risk confusion matrix and the latency histogram."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server or in CI
    import matplotlib.pyplot as plt

    out = {}
    metrics = summary["metrics"]
    rows = [(label, metrics[key], (baseline or {}).get("metrics", {}).get(key))
            for key, label in HEADLINE if key in metrics]
    if rows:
        fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 0.8))
        labels = [r[0] for r in rows][::-1]
        values = [r[1] for r in rows][::-1]
        ax.barh(labels, values, color="#2f7f7a")
        for y, (_, value, base) in enumerate(rows[::-1]):
            ax.text(min(value + 0.01, 0.93), y, f"{value:.2f}", va="center", fontsize=8)
            if base is not None:
                ax.plot([base, base], [y - 0.4, y + 0.4], color="#c0392b", lw=2)
        ax.set_xlim(0, 1.05)
        ax.set_title("Headline metrics" + (" (red line: baseline)" if baseline else ""), fontsize=10)
        ax.tick_params(labelsize=8)
        out["metrics"] = _png(fig)
        plt.close(fig)
    confusion = summary.get("extra", {}).get("risk", {}).get("confusion")
    if confusion:
        fig, ax = plt.subplots(figsize=(3.8, 3.2))
        ax.imshow(confusion["matrix"], cmap="Blues")
        levels = confusion["levels"]
        ax.set_xticks(range(len(levels)), levels, fontsize=8)
        ax.set_yticks(range(len(levels)), levels, fontsize=8)
        ax.set_xlabel("classified as", fontsize=8)
        ax.set_ylabel("labelled", fontsize=8)
        peak = max(max(r) for r in confusion["matrix"]) or 1
        for i, row in enumerate(confusion["matrix"]):
            for j, n in enumerate(row):
                ax.text(j, i, str(n), ha="center", va="center", fontsize=9, color="white" if n > peak / 2 else "black")
        ax.set_title("Risk levels", fontsize=10)
        out["confusion"] = _png(fig)
        plt.close(fig)
    samples = summary.get("extra", {}).get("latency", {}).get("samples_ms")
    if samples:
        fig, ax = plt.subplots(figsize=(4.5, 2.6))
        ax.hist(samples, bins=30, color="#2f7f7a")
        ax.set_xlabel("ms per answer (in process)", fontsize=8)
        ax.set_title("Answer latency", fontsize=10)
        ax.tick_params(labelsize=8)
        out["latency"] = _png(fig)
        plt.close(fig)
    return out


def write_report(summary: dict, cases: list[dict], path: Path, baseline: dict | None = None,
                 changes: list[Change] | None = None) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    ordered = sorted(cases, key=lambda c: (c["passed"], c["suite"], c["score"]))
    headline = [(label, summary["metrics"][key], key) for key, label in HEADLINE if key in summary["metrics"]]
    html = env.get_template("report.html.j2").render(
        summary=summary, cases=ordered, headline=headline, charts=charts(summary, baseline),
        changes=changes or [], failed=sum(not c["passed"] for c in cases))
    path.write_text(html, encoding="utf-8")
    return path
