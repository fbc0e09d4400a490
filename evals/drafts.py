"""Every workspace draft for a set's blog comments, as the coach sees it, in one Markdown file for a blind reviewer.

    python -m evals.drafts comment_drafts_blind3 --out /tmp/drafts.md   (or a YAML path instead of a set name)
"""
from __future__ import annotations

import argparse
from pathlib import Path

from evals.replies import cases_from


def render_draft(case: dict, title: str, draft) -> str:
    """One comment: the post it is under, who wrote it, the comment and the draft reply with its sources."""
    lines = [f"## {case['id']}", "", f"Post: {title} (by {case.get('post_author', '?')})",
             f"Commenter: {case.get('author') or '(no name)'}", "", f"Comment: {case['text']}", "",
             f"Draft reply (triaged {draft.kind}, risk {draft.risk_level}):", "", draft.text or "(no draft: spam)", ""]
    if draft.sources:
        lines.append("Sources:")
        lines += [f'  - {s.get("title")}: "{s.get("quote")}"' for s in draft.sources]
    lines += ["", "---", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="a set name under evals/datasets or a YAML file with `cases`")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from service.answering.pipeline import AnswerPipeline
    from service.knowledge.articles import load_articles
    from service.settings import get_settings
    from service.workspace.drafting import Drafter

    settings = get_settings()
    pipeline = AnswerPipeline.build(settings)
    drafter = Drafter(pipeline)
    articles = {a.id: a for a in load_articles(settings.articles_dir)}
    parts = []
    for case in cases_from(args.dataset):
        article = articles.get(case.get("article_id"))
        case = {**case, "post_author": getattr(article, "author", "?")}
        draft = drafter.draft(case.get("author"), case["text"], case.get("article_id"))
        parts.append(render_draft(case, getattr(article, "title", case.get("article_id")), draft))
    args.out.write_text("\n".join(parts), encoding="utf-8")
    print(f"{len(parts)} drafts -> {args.out}")


if __name__ == "__main__":
    main()
