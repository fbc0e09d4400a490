"""Every answer to a set's questions, as a reader would see it, in one Markdown file for a blind reviewer.

    python -m evals.replies answers_blind3 --out /tmp/replies.md   (or a YAML path instead of a set name)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from evals.catalog import DATASETS, history_of


def cases_from(name_or_path: str) -> list[dict]:
    path = Path(name_or_path)
    if not path.is_file():
        path = DATASETS / f"{name_or_path}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def render_case(case: dict, reply) -> str:
    """One case: its history, the question, the answer shown and the citations (who, which article, the quote)."""
    history = history_of(case)
    lines = [f"## {case['id']}", ""]
    if history:
        lines += ["History:"] + [f"  {h['role']}: {h['content']}" for h in history]
    else:
        lines.append("History: (none)")
    lines += ["", f"Question: {case['question']}", "", "Answer shown to the reader:", "", reply.answer, ""]
    if reply.safety.resources:  # the widget shows them as a card beside the answer, which its text refers to
        lines += ["Help shown beside the answer (the widget's card):"]
        lines += [f"  - {r.name}: {r.contact}" for r in reply.safety.resources] + [""]
    if reply.citations:
        lines.append("Citations:")
        lines += [f'  [{c.n}] {c.author}, "{c.title}": "{c.quote}"' for c in reply.citations]
    lines += ["", "---", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="a set name under evals/datasets or a YAML file with `cases`")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from service.answering.pipeline import AnswerPipeline
    from service.settings import get_settings

    pipeline = AnswerPipeline.build(get_settings())
    parts = []
    for case in cases_from(args.dataset):
        result = pipeline.answer(case["question"], history_of(case))
        parts.append(render_case(case, result.reply))
    args.out.write_text("\n".join(parts), encoding="utf-8")
    print(f"{len(parts)} replies -> {args.out}")


if __name__ == "__main__":
    main()
