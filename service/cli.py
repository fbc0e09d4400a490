"""`coach ingest | search | ask | serve | token | db`: the command line.

Other packages add commands through the `coach.commands` entry point group (evals/ adds `eval` and
`train-risk`), so this module never imports them.
"""
from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points

import click

from .errors import CorpusError, IndexUnavailable
from .settings import get_settings


def fail(message: str, code: int = 1) -> None:
    click.echo(f"coach: {message}", err=True)
    sys.exit(code)


def knowledge_base(settings, embedder):
    """Load the index, building it first when it does not exist yet; other index problems end the command."""
    from .knowledge.ingest import ensure_index
    from .retrieval.knowledge_base import KnowledgeBase

    def announce(report) -> None:
        if report is None:
            click.echo("coach: no knowledge index yet; building it now (`coach ingest`)...", err=True)
        else:
            click.echo(f"coach: {report.summary()}", err=True)

    try:
        ensure_index(settings, embedder, on_build=announce)
        return KnowledgeBase.load(settings, embedder.name)
    except IndexUnavailable as exc:
        fail(exc.detail)


class CoachCommands(click.Group):
    """The built-in commands plus those registered under the `coach.commands` entry point group, loaded only
    when asked for (so `coach --help` stays fast and no import order can make them circular)."""

    @staticmethod
    def _plugins() -> dict:
        return {entry.name: entry for entry in entry_points(group="coach.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in (plugins := self._plugins()):
            command = plugins[name].load()
        return command


@click.group(cls=CoachCommands)
def main() -> None:
    """A grounded No Contact coach."""


@main.command("ingest")
@click.option("--source", type=click.Path(exists=True, file_okay=False),
              help="Articles folder (default: knowledge/articles).")
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
def ingest_command(source: str | None, rebuild: bool) -> None:
    """Chunk, embed and store the articles (idempotent)."""
    from pathlib import Path

    from .answering.assembly import article_texts
    from .answering.guidance import checked_cards
    from .embeddings import get_embedder
    from .knowledge.ingest import ingest

    settings = get_settings()
    embedder = get_embedder()
    try:
        report = ingest(settings, embedder, source=Path(source) if source else None, rebuild=rebuild)
        # The coach's answer cards must still stand on the articles just ingested: a drifting card fails here.
        texts = article_texts(Path(source) if source else settings.articles_dir)
        cards = checked_cards(settings.knowledge_dir / "guidance", texts, embedder)
    except (CorpusError, IndexUnavailable) as exc:
        fail(exc.detail)
    click.echo(f"{report.summary()}; {len(cards)} answer cards checked against the articles")


@main.command("search")
@click.argument("query")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print {\"results\": [...]} only.")
def search_command(query: str, k: int, as_json: bool) -> None:
    """Top-k passages for QUERY."""
    from .embeddings import serving_embedder
    from .retrieval.search import Retriever

    if not query.strip():
        fail("the query is empty", 2)
    settings = get_settings()
    embedder = serving_embedder(settings)
    retriever = Retriever(knowledge_base(settings, embedder))
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
    import msgspec

    from .answering.pipeline import AnswerPipeline
    from .embeddings import serving_embedder

    if not question.strip():
        fail("the question is empty", 2)
    settings = get_settings()
    embedder = serving_embedder(settings)
    kb = knowledge_base(settings, embedder)  # builds the index first when it is missing
    reply = AnswerPipeline.build(settings, embedder, kb=kb).answer(question.strip(), [], locale).reply
    if as_json:
        click.echo(json.dumps(msgspec.to_builtins(reply), ensure_ascii=False))
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

    from .tokens import hash_token

    token = token or secrets.token_urlsafe(32)
    click.echo(f"token (give it to the coach, keep it secret): {token}")
    click.echo(f"COACH_ADMIN_TOKEN_HASH={hash_token(token)}")


@main.group("db")
def db_group() -> None:
    """The database's schema (Alembic migrations in service/db/migrations/)."""


def _db_errors() -> tuple[type[Exception], ...]:
    """What a migration or a database can raise: said in one line, not a traceback."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, CommandError, ValueError, RuntimeError, OSError, ImportError)


def _db_label(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_group.command("upgrade")
def db_upgrade_command() -> None:
    """Migrate the database to the newest revision (adopts one made before migrations)."""
    from .db.migrate import upgrade_database

    url = get_settings().db_url
    try:
        result = upgrade_database(url)
    except _db_errors() as exc:
        fail(f"could not upgrade {_db_label(url)}: {exc}")
    click.echo(f"{_db_label(url)}: {result.describe()}")


@db_group.command("current")
def db_current_command() -> None:
    """Print the database's revision and whether it is the newest."""
    from .db.migrate import database_state, head_revision

    url = get_settings().db_url
    try:
        state = database_state(url)
    except _db_errors() as exc:
        fail(f"could not read {_db_label(url)}: {exc}")
    if state is None:
        click.echo(f"{_db_label(url)}: none: no database yet (head is {head_revision()}; run `coach db upgrade`)")
        return
    click.echo(f"{_db_label(url)}: {state.describe()}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Worker processes (each loads the model and the index; the index must exist first).")
def serve_command(host: str, port: int, workers: int) -> None:
    """Run the HTTP service (builds the index first when it is missing)."""
    import uvicorn

    from .app import create_app

    settings = get_settings()
    if workers > 1 and not settings.session_secret_set:
        # Each worker would sign the coach's forms with its own random key: every other sign-in would fail.
        raise click.ClickException("--workers > 1 needs COACH_SESSION_SECRET (the same long random value for every "
                                   "worker and replica), e.g. COACH_SESSION_SECRET=$(python3 -c 'import secrets; "
                                   "print(secrets.token_urlsafe(32))')")
    # X-Forwarded-For only from the configured proxies (uvicorn would otherwise believe it from 127.0.0.1).
    proxies = {"proxy_headers": bool(settings.trusted_proxies), "forwarded_allow_ips": settings.trusted_proxies or None}
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False, **proxies)
        return
    from .db.migrate import upgrade_database
    from .embeddings import serving_embedder

    # Migrate the database and build the index (and the ONNX export) once here, so workers only read them.
    upgrade_database(settings.db_url)
    knowledge_base(settings, serving_embedder(settings))
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, **proxies)


if __name__ == "__main__":
    main()
