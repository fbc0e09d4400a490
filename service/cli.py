"""`coach ingest | search | ask | serve | token | db`: the command line."""
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


@main.group("db")
def db_group() -> None:
    """The database's schema (Alembic migrations in service/migrations/)."""


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
    from .migrate import upgrade_database

    url = get_settings().db_url
    try:
        result = upgrade_database(url)
    except _db_errors() as exc:
        _fail(f"could not upgrade {_db_label(url)}: {exc}")
    click.echo(f"{_db_label(url)}: {result.describe()}")


@db_group.command("current")
def db_current_command() -> None:
    """Print the database's revision and whether it is the newest."""
    from .migrate import database_state, head_revision

    url = get_settings().db_url
    try:
        state = database_state(url)
    except _db_errors() as exc:
        _fail(f"could not read {_db_label(url)}: {exc}")
    if state is None:
        click.echo(f"{_db_label(url)}: none: no database yet (head is {head_revision()}; run `coach db upgrade`)")
        return
    click.echo(f"{_db_label(url)}: {state.describe()}")


@main.command("train-risk")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where the model goes (default: knowledge/risk_classifier.json).")
def train_risk_command(out: str | None) -> None:
    """Train the learned risk net on every labelled risk set; print how it does on left-out rounds."""
    from pathlib import Path

    from evals import train_risk

    settings = get_settings()
    cases = train_risk.labelled_cases()
    click.echo(f"training on {len(cases)} labelled messages ...")
    content, rounds = train_risk.train(_serving_embedder(settings), cases)
    train_risk.print_rounds(rounds, click.echo)
    path = Path(out) if out else settings.knowledge_dir / "risk_classifier.json"
    train_risk.write(content, path)
    click.echo(f"threshold {content['threshold']:.3f}; written to {path}")


SUITE_NAMES = ("retrieval", "risk", "risk_held_out", "scope", "answers", "answers_held_out", "disagreements",
               "replies")


@main.command("eval")
@click.option("--suite", "suites", multiple=True, type=click.Choice(SUITE_NAMES),
              help="Run only this suite (repeatable). Default: all.")
@click.option("--generator", type=click.Choice(["grounded", "llm"]), default=None,
              help="Default: the configured one (llm when COACH_LLM_BASE_URL and COACH_LLM_MODEL are set).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Where summary.json, cases.json and report.html go (default: var/eval/GENERATOR).")
@click.option("--compare", "baseline_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A baseline summary.json: print each metric's change; exit 1 when one drops past its tolerance.")
@click.option("--tolerances", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Tolerances file (default: evals/tolerances.yaml).")
@click.option("--save-baseline", is_flag=True, help="Also write this run's summary to evals/baseline/summary.json.")
@click.option("--no-progress", is_flag=True, help="No progress bar (CI logs).")
def eval_command(suites: tuple[str, ...], generator: str | None, out: str | None, baseline_path: str | None,
                 tolerances: str | None, save_baseline: bool, no_progress: bool) -> None:
    """Offline answer-quality evals: metrics table, summary.json and an HTML report."""
    import shutil
    from pathlib import Path

    import yaml

    from evals import compare as cmp
    from evals import runner
    from evals.report import write_report

    settings = get_settings()
    if generator:
        settings = settings.with_overrides(generator=generator)
    if settings.generator_name == "llm" and not (settings.llm_base_url and settings.llm_model):
        _fail("--generator llm needs COACH_LLM_BASE_URL and COACH_LLM_MODEL", 2)
    embedder = _serving_embedder(settings)
    _knowledge(settings, embedder)
    from .coach import Coach

    coach = Coach.build(settings, embedder)
    out_dir = Path(out) if out else settings.data_dir / "eval" / settings.generator_name
    names = list(suites) or list(SUITE_NAMES)
    summary, cases = runner.run(settings, names, out_dir, progress=not no_progress, coach=coach)
    click.echo(runner.table(summary))
    baseline, changes = None, []
    if baseline_path:
        try:
            baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8"))
            config = cmp.load_tolerances(Path(tolerances)) if tolerances else cmp.load_tolerances()
        except (OSError, ValueError, yaml.YAMLError) as exc:
            _fail(f"cannot read the baseline or tolerances: {exc}", 2)
        changes = cmp.compare(summary, baseline, config)
        click.echo("\nagainst " + baseline_path + ":\n" + cmp.format_changes(changes))
    report = write_report(summary, cases, out_dir / "report.html", baseline, changes)
    click.echo(f"\nreport: {report}\nsummary: {out_dir / 'summary.json'}")
    if save_baseline:
        target = Path(runner.__file__).resolve().parent / "baseline" / "summary.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out_dir / "summary.json", target)
        click.echo(f"baseline saved: {target}")
    if changes and not runner.gate(changes):
        regressed = ", ".join(c.metric for c in changes if c.regressed)
        _fail(f"regression against the baseline: {regressed}", 1)


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
    # Migrate the database and build the index (and the ONNX export) once here, so workers only read them.
    from .migrate import upgrade_database

    upgrade_database(settings.db_url)
    _knowledge(settings, _serving_embedder(settings))
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False)


def _serving_embedder(settings):
    from .embeddings import serving_embedder

    return serving_embedder(settings)


if __name__ == "__main__":
    main()
