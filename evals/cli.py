"""`coach eval` and `coach train-risk`: registered with the `coach` command through the `coach.commands` entry
point group (pyproject.toml), so the service never imports evals."""
from __future__ import annotations

import json
from pathlib import Path

import click

from evals.suites import SUITES
from service.cli import fail, knowledge_base
from service.embeddings import serving_embedder
from service.guardrails.risk_encoder import risk_encoder
from service.settings import get_settings


@click.command("train-risk")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where the model goes (default: knowledge/risk_classifier.json).")
def train_risk_command(out: str | None) -> None:
    """Train the learned risk net on every labelled risk set; print how it does on left-out rounds."""
    from evals import train_risk

    settings = get_settings()
    cases = train_risk.labelled_cases(settings.knowledge_dir)
    click.echo(f"training on {len(cases)} labelled messages ...")
    content, rounds = train_risk.train(risk_encoder(), cases, settings.knowledge_dir)
    train_risk.print_rounds(rounds, click.echo)
    path = Path(out) if out else settings.knowledge_dir / "risk_classifier.json"
    train_risk.write(content, path)
    click.echo(f"thresholds {content['thresholds']}; written to {path}")


@click.command("eval")
@click.option("--suite", "suites", multiple=True, type=click.Choice(list(SUITES)),
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

    import yaml

    from evals import compare as cmp
    from evals import runner
    from evals.report import write_report
    from service.answering.pipeline import AnswerPipeline

    settings = get_settings()
    if generator:
        settings = settings.with_overrides(generator=generator)
    if settings.generator_name == "llm" and not (settings.llm_base_url and settings.llm_model):
        fail("--generator llm needs COACH_LLM_BASE_URL and COACH_LLM_MODEL", 2)
    embedder = serving_embedder(settings)
    pipeline = AnswerPipeline.build(settings, embedder, kb=knowledge_base(settings, embedder))
    out_dir = Path(out) if out else settings.data_dir / "eval" / settings.generator_name
    names = list(suites) or list(SUITES)
    summary, cases = runner.run(settings, names, out_dir, progress=not no_progress, pipeline=pipeline)
    click.echo(runner.table(summary))
    baseline, changes = None, []
    if baseline_path:
        try:
            baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8"))
            config = cmp.load_tolerances(Path(tolerances)) if tolerances else cmp.load_tolerances()
        except (OSError, ValueError, yaml.YAMLError) as exc:
            fail(f"cannot read the baseline or tolerances: {exc}", 2)
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
        fail(f"regression against the baseline: {regressed}", 1)
