"""Every workspace draft for a set's blog comments, as the coach sees it, in one Markdown file for a blind reviewer.

    python -m evals.drafts comment_drafts_blind3 --out /tmp/drafts.md   (or a YAML path instead of a set name)
"""
from __future__ import annotations

from evals.replies import write_for_reviewer


def render_draft(case: dict, article, draft) -> str:
    """One comment: the post it is under (an Article, or None when unknown), who wrote it, the comment and the draft
    reply with its sources."""
    post = f"{article.title} (by {article.author})" if article is not None else f"{case.get('article_id')} (by ?)"
    lines = [f"## {case['id']}", "", f"Post: {post}", f"Commenter: {case.get('author') or '(no name)'}", "",
             f"Comment: {case['text']}", "", f"Draft reply (triaged {draft.kind}, risk {draft.risk_level}):", "",
             draft.text or "(no draft: spam)", ""]
    if draft.sources:
        lines.append("Sources:")
        lines += [f'  - {s.get("title")}: "{s.get("quote")}"' for s in draft.sources]
    lines += ["", "---", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    def render_all(cases: list[dict]) -> list[str]:
        from service.answering.pipeline import AnswerPipeline
        from service.knowledge.articles import load_articles
        from service.settings import get_settings
        from service.workspace.drafting import Drafter

        settings = get_settings()
        drafter = Drafter(AnswerPipeline.build(settings))
        articles = {a.id: a for a in load_articles(settings.articles_dir)}
        return [render_draft(case, articles.get(case.get("article_id")),
                             drafter.draft(case.get("author"), case["text"], case.get("article_id")))
                for case in cases]

    write_for_reviewer(argv, __doc__, "drafts", render_all)


if __name__ == "__main__":
    main()
