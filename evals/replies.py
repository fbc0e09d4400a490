"""Every answer to a set's questions, as a reader would see it, in one Markdown file for a blind reviewer.

    python -m evals.replies answers_blind3 --out /tmp/replies.md   (or a YAML path instead of a set name)
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
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


def write_for_reviewer(argv: list[str] | None, doc: str, noun: str,
                       render_all: Callable[[list[dict]], list[str]]) -> None:
    """The command line shared with evals.drafts: a set name (or YAML path) and --out; every case rendered into one
    Markdown file by `render_all`, which builds what it needs (the pipeline) only once the arguments are good."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("dataset", help="a set name under evals/datasets or a YAML file with `cases`")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    parts = render_all(cases_from(args.dataset))
    args.out.write_text("\n".join(parts), encoding="utf-8")
    print(f"{len(parts)} {noun} -> {args.out}")


def main(argv: list[str] | None = None) -> None:
    def render_all(cases: list[dict]) -> list[str]:
        from service.answering.pipeline import AnswerPipeline
        from service.settings import get_settings

        pipeline = AnswerPipeline.build(get_settings())
        return [render_case(case, pipeline.answer(case["question"], history_of(case)).reply) for case in cases]

    write_for_reviewer(argv, __doc__, "replies", render_all)


if __name__ == "__main__":
    main()
