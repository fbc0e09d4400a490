"""How the workspace's triage files one labelled set of blog comments: kind (question, thanks, spam) and risk.

Run: python -m evals.triage_report SET [--errors]
Prints the confusion of kinds, the two costly errors (a reader's question filed as spam: never answered; spam kept
as a question or thanks: drafted a reply), and urgent/support recall. `--errors` lists the misfiled comments
(never for a set that must stay blind)."""
from __future__ import annotations

import argparse
from collections import Counter

from evals.catalog import load_cases

KINDS = ("question", "thanks", "spam")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    from service.answering.pipeline import AnswerPipeline
    from service.settings import get_settings
    from service.workspace.triage import triage

    pipeline = AnswerPipeline.build(get_settings().with_overrides(generator="grounded"))
    cases = load_cases(args.name)
    got = [(c, triage(c["text"], pipeline)) for c in cases]
    confusion = Counter((c["kind"], t.kind) for c, t in got)
    print(f"{args.name}: {len(cases)} comments; rows: labelled kind, columns: filed as")
    print("            " + "".join(f"{k:>10s}" for k in KINDS))
    for k in KINDS:
        print(f"  {k:10s}" + "".join(f"{confusion[(k, g)]:10d}" for g in KINDS))
    n = {k: sum(c["kind"] == k for c in cases) for k in KINDS}
    right = sum(confusion[(k, k)] for k in KINDS)
    print(f"  kind accuracy {right}/{len(cases)} ({right / len(cases):.0%})")
    print(f"  questions filed as spam (never answered): {confusion[('question', 'spam')]}/{n['question']}")
    print(f"  spam kept and drafted a reply: {n['spam'] - confusion[('spam', 'spam')]}/{n['spam']}")
    for level in ("urgent", "support"):
        labelled = [(c, t) for c, t in got if c["level"] == level]
        caught = sum(t.risk_level == level or (level == "support" and t.risk_level == "urgent") for _, t in labelled)
        print(f"  {level} recall {caught}/{len(labelled)}")
    none = [(c, t) for c, t in got if c["level"] == "none"]
    print(f"  false urgent on the rest {sum(t.risk_level == 'urgent' for _, t in none)}/{len(none)}")
    # A calm comment rated support gets the crisis note in its draft: the cost the coach sees most.
    print(f"  false support or urgent on the rest {sum(t.risk_level != 'none' for _, t in none)}/{len(none)}")
    if args.errors:
        for c, t in got:
            if c["kind"] != t.kind or (c["level"] == "urgent") != (t.risk_level == "urgent"):
                print(f"  {c['id']}: {c['kind']}/{c['level']} -> {t.kind}/{t.risk_level} | {c['text'][:110]!r}")


if __name__ == "__main__":
    main()
