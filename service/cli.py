"""`coach ingest | search | ask | serve | eval`: the command line."""
from __future__ import annotations

import json
import sys

import click

from .settings import get_settings


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"coach: {message}", err=True)
    sys.exit(code)


def _knowledge(settings, embedder):
    """Load the index, building it first when it does not exist yet; other index problems end the command."""
    from .index import IndexError_
    from .retrieval import KnowledgeBase

    try:
        return KnowledgeBase.load_or_build(
            settings, embedder,
            before_build=lambda: click.echo("coach: no knowledge index yet; building it now (`coach ingest`)...", err=True),
            after_build=lambda report: click.echo(f"coach: {report.summary()}", err=True))
    except IndexError_ as exc:
        _fail(str(exc))


@click.group()
def main() -> None:
    """A grounded No Contact coach."""


@main.command("ingest")
@click.option("--source", type=click.Path(exists=True, file_okay=False), help="Articles folder (default: knowledge/articles).")
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
def ingest_command(source: str | None, rebuild: bool) -> None:
    """Chunk, embed and store the articles (idempotent)."""
    from pathlib import Path

    from .corpus import CorpusError
    from .embeddings import get_embedder
    from .index import IndexError_
    from .ingest import ingest

    settings = get_settings()
    try:
        report = ingest(settings, get_embedder(), source=Path(source) if source else None, rebuild=rebuild)
    except (CorpusError, IndexError_) as exc:
        _fail(str(exc))
    click.echo(report.summary())


@main.command("search")
@click.argument("query")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print {\"results\": [...]} only.")
def search_command(query: str, k: int, as_json: bool) -> None:
    """Top-k passages for QUERY."""
    from .embeddings import serving_embedder
    from .retrieval import Retriever

    if not query.strip():
        _fail("the query is empty", 2)
    settings = get_settings()
    embedder = serving_embedder(settings)
    retriever = Retriever(_knowledge(settings, embedder))
    hits = retriever.search(embedder.embed([query])[0], k=k, query=query)
    results = [{"article_id": h.passage.article_id, "title": h.passage.title, "author": h.passage.author,
                "text": h.passage.text, "score": round(h.score, 4)} for h in hits]
    if as_json:
        click.echo(json.dumps({"results": results}, ensure_ascii=False))
        return
    for n, r in enumerate(results, 1):
        click.echo(f"[{n}] {r['score']:.3f}  {r['article_id']}  ({r['author']}: {r['title']})")
        click.echo("    " + r["text"].replace("\n", "\n    ")[:600])
        click.echo()


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON object as POST /api/ask.")
@click.option("--locale", default=None, help="e.g. en-GB: picks the crisis lines shown with risky messages.")
def ask_command(question: str, as_json: bool, locale: str | None) -> None:
    """Answer QUESTION the way the service does."""
    from .coach import Coach
    from .embeddings import serving_embedder

    if not question.strip():
        _fail("the question is empty", 2)
    settings = get_settings()
    embedder = serving_embedder(settings)
    _knowledge(settings, embedder)  # builds the index first when it is missing
    reply = Coach.build(settings, embedder).answer(question.strip(), [], locale)
    if as_json:
        click.echo(json.dumps(reply.as_dict(), ensure_ascii=False))
        return
    click.echo(reply.answer)
    if reply.citations:
        click.echo()
        for c in reply.citations:
            click.echo(f"[{c.n}] {c.author}, \"{c.title}\" ({c.article_id})")
    if reply.safety.level != "none" and reply.safety.level != "urgent":
        click.echo()
        for r in reply.safety.resources:
            click.echo(f"- {r.name}: {r.contact}" + (f" ({r.url})" if r.url else ""))
    if reply.fallback_reason:
        click.echo(f"\n(generator fell back to the grounded answer: {reply.fallback_reason})", err=True)


@main.command("token")
@click.option("--token", default=None, help="Hash this token instead of generating a new one.")
def token_command(token: str | None) -> None:
    """Make the coach's API token: prints the token once and the hash to put in COACH_ADMIN_TOKEN_HASH."""
    import secrets

    from .drafts.auth import hash_token

    token = token or secrets.token_urlsafe(32)
    click.echo(f"token (give it to the coach, keep it secret): {token}")
    click.echo(f"COACH_ADMIN_TOKEN_HASH={hash_token(token)}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Worker processes (each loads the model and the index; the index must exist first).")
def serve_command(host: str, port: int, workers: int) -> None:
    """Run the HTTP service (builds the index first when it is missing)."""
    import uvicorn

    from .app import create_app

    if workers == 1:
        uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="info", access_log=False)
        return
    settings = get_settings()
    # Build the index (and the ONNX export) once here, so workers only read them.
    _knowledge(settings, _serving_embedder(settings))
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False)


def _serving_embedder(settings):
    from .embeddings import serving_embedder

    return serving_embedder(settings)


if __name__ == "__main__":
    main()
