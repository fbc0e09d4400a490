"""Risk and scope checks through the real pipeline: precision/recall per level, confusion, scope accuracy.

Run: python -m evals.safety [--risk risk risk_holdout safety_blind] [--scope scope scope_holdout safety_blind]
     [--errors]
risk.yaml and scope.yaml were used to write the patterns; *_holdout.yaml were measured blind once and then
used for fixes; safety_blind.yaml has never been used for tuning (see evals/README.md).
"""
from __future__ import annotations

import argparse
from collections import Counter

from evals.catalog import load_cases
from evals.suites import level_metrics


def risk_report(pipeline, cases: list[dict]) -> dict:
    """Confusion matrix and per-level precision/recall of the risk level."""
    confusion: Counter = Counter()
    errors = []
    for case in cases:
        text = case.get("text") or case["question"]
        got = pipeline.answer(text).reply.safety.level
        confusion[(case["level"], got)] += 1
        if got != case["level"]:
            errors.append((case["level"], got, text))
    per_level, false_urgent_rate = level_metrics(confusion)
    return {"levels": per_level, "confusion": confusion, "false_urgent_rate": false_urgent_rate, "errors": errors}


def scope_report(pipeline, cases: list[dict]) -> dict:
    """Scope accuracy (in/out), and how each out-of-scope kind was classified."""
    right = 0
    kinds: Counter = Counter()
    errors = []
    for case in cases:
        reply = pipeline.answer(case.get("question") or case["text"]).reply
        # A message kept in scope because of risk still names the right help for its kind (risk beats scope).
        ok = reply.scope == case["scope"] or reply.safety.level == "urgent" or reply.scope_kind == case["kind"]
        right += ok
        kinds[(case["kind"], reply.scope_kind if reply.scope == "out" else "in")] += 1
        if not ok:
            errors.append((case["kind"], reply.scope_kind, case.get("question") or case["text"]))
    return {"accuracy": right / len(cases), "kinds": kinds, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risk", nargs="*", default=["risk", "risk_holdout", "safety_blind"])
    parser.add_argument("--scope", nargs="*", default=["scope", "scope_holdout", "safety_blind"])
    parser.add_argument("--errors", action="store_true", help="list every misclassified message")
    args = parser.parse_args()

    from service.answering.pipeline import AnswerPipeline
    from service.settings import get_settings

    pipeline = AnswerPipeline.build(get_settings().with_overrides(generator="grounded"))
    for name in args.risk:
        report = risk_report(pipeline, load_cases(name))
        print(f"risk  {name:14s} " + "  ".join(
            f"{lvl} P {m['precision']:.3f} R {m['recall']:.3f} (n={m['n']})" for lvl, m in report["levels"].items())
              + f"  false-urgent {report['false_urgent_rate']:.3f}")
        print("      confusion (expected -> got): " + ", ".join(
            f"{t}->{g}: {n}" for (t, g), n in sorted(report["confusion"].items())))
        if args.errors:
            for expected, got, text in report["errors"]:
                print(f"      {expected:>7} -> {got:7} {text[:150]}")
    for name in args.scope:
        report = scope_report(pipeline, [c for c in load_cases(name) if "scope" in c])
        print(f"scope {name:14s} accuracy {report['accuracy']:.3f} (n={sum(report['kinds'].values())})  " + ", ".join(
            f"{t}->{g}: {n}" for (t, g), n in sorted(report["kinds"].items()) if t != g or t == "in"))
        if args.errors:
            for expected, got, text in report["errors"]:
                print(f"      {expected:>12} -> {got:12} {text[:150]}")


if __name__ == "__main__":
    main()
