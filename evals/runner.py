"""`coach eval`: run the suites against the configured generator, write summary.json, cases.json and report.html."""
from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from evals import suites as suite_defs
from evals.compare import Change

WEAKEST_FROM = ("answers", "disagreements", "replies")  # where a weak case is a weak answer, not a label


def run(settings, names: list[str], out_dir: Path, *, progress: bool = True, pipeline=None) -> tuple[dict, list[dict]]:
    """Run the named suites once; returns (summary, per-case results) and writes both under out_dir."""
    from service.answering.pipeline import AnswerPipeline

    started = time.perf_counter()
    pipeline = pipeline or AnswerPipeline.build(settings)
    datasets = {name: suite_defs.suite_cases(name) for name in names}  # each file read once
    results: list[suite_defs.SuiteResult] = []
    with tqdm(total=sum(map(len, datasets.values())), desc="coach eval", unit="case", disable=not progress,
              leave=False) as bar:
        for name in names:
            bar.set_postfix_str(name)
            results.append(suite_defs.SUITES[name](pipeline, datasets[name], lambda: bar.update(1)))
    cases = [c.as_dict() for r in results for c in r.cases]
    summary = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "generator": pipeline.generator.name,
        "model": settings.llm_model if pipeline.generator.name == "llm" else None,
        "retrieval_k": settings.retrieval_k,
        "suites": names,
        "cases": {r.name: len(r.cases) for r in results},
        "metrics": {k: round(v, 4) for r in results for k, v in r.metrics.items()},
        "weakest": _weakest(cases),
        "extra": {r.name: r.extra for r in results if r.extra and r.name != "answers"},
        "seconds": round(time.perf_counter() - started, 1),
    }
    latencies = next((r.extra.get("latencies_ms") for r in results if r.name == "answers"), None)
    if latencies:
        summary["extra"]["latency"] = {"samples_ms": [round(x, 2) for x in latencies]}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary, cases


def _weakest(cases: list[dict], n: int = 3) -> list[dict]:
    failing = [c for c in cases if c["suite"] in WEAKEST_FROM and not c["passed"]]
    failing.sort(key=lambda c: (c["score"], c["id"]))
    return [{"suite": c["suite"], "id": c["id"], "score": round(c["score"], 3), "question": c["question"][:200],
             "failures": c["failures"][:3]} for c in failing[:n]]


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def table(summary: dict) -> str:
    """The compact console table: one line per metric, grouped by suite."""
    lines = [f"generator {summary['generator']}"
             + (f" ({summary['model']})" if summary.get("model") else "")
             + f", k={summary['retrieval_k']}, {sum(summary['cases'].values())} cases in {summary['seconds']} s"]
    for metric, value in summary["metrics"].items():
        shown = f"{value:8.1f} ms" if metric.endswith("_ms") else f"{value:8.3f}"
        lines.append(f"  {metric:32s} {shown}")
    if summary["weakest"]:
        lines.append("weakest cases:")
        lines += [f"  {w['suite']}/{w['id']} ({w['score']:.2f}): {'; '.join(w['failures'])[:150]}"
                  for w in summary["weakest"]]
    return "\n".join(lines)


def gate(changes: list[Change]) -> bool:
    """True when no gated metric dropped by more than its tolerance."""
    return not any(c.regressed for c in changes)
