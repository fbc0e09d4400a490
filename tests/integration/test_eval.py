"""`coach eval`: real suites on the real index, the baseline gate, and a deliberate regression that must fail it."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from evals import compare as cmp
from evals import scoring
from evals.runner import run
from service.cli import main
from service.settings import PROJECT_ROOT, get_settings

BASELINE = PROJECT_ROOT / "evals" / "baseline" / "summary.json"


def _env(settings, **extra) -> dict:
    return {"COACH_DATA_DIR": str(settings.data_dir), "COACH_CHROMA_PATH": str(settings.chroma_path),
            "COACH_GENERATOR": "grounded", **extra}


@pytest.fixture()
def fresh_settings():
    get_settings.cache_clear()  # the CLI reads the environment CliRunner sets
    yield
    get_settings.cache_clear()


def test_key_points_match_phrasings_and_near_phrasings():
    answer = "Do limited no contact where you talk to your ex only about work-related subjects. [1]"
    assert scoring.key_points_covered(answer, [["limited no contact"], ["subjects related to work"],
                                               ["block them everywhere"]]) == [True, False, False]
    assert scoring.mentions(answer, "talk only about work-related")  # all content words in one sentence


def test_sides_need_the_author_named():
    answer = "Zan says tell your ex you want to focus on yourself. Others say don't tell them."
    sides = [{"author": "Zan", "phrasings": ["focus on yourself"]},
             {"author": "Dave Barker", "phrasings": ["don't tell"]}]
    assert scoring.sides_presented(answer, sides) == [True, False]


def test_compare_flags_drops_beyond_tolerance_only():
    baseline = {"metrics": {"risk.urgent.recall": 1.0, "risk.false_urgent_rate": 0.0, "retrieval.mrr": 0.86,
                            "latency.p95_ms": 20.0, "replies.similarity": 0.4}}
    current = {"metrics": {"risk.urgent.recall": 0.99, "risk.false_urgent_rate": 0.005, "retrieval.mrr": 0.85,
                           "latency.p95_ms": 90.0}}
    by_metric = {c.metric: c for c in cmp.compare(current, baseline, cmp.load_tolerances())}
    assert by_metric["risk.urgent.recall"].regressed  # one missed urgent message is never tolerated
    assert not by_metric["risk.false_urgent_rate"].regressed  # within its 0.01
    assert not by_metric["retrieval.mrr"].regressed  # within 0.02
    assert not by_metric["latency.p95_ms"].regressed and by_metric["latency.p95_ms"].status == "info"
    assert by_metric["replies.similarity"].status == "not run"
    worse = dict(current["metrics"], **{"risk.urgent.recall": 1.0, "risk.false_urgent_rate": 0.03})
    assert [c.metric for c in cmp.compare({"metrics": worse}, baseline, cmp.load_tolerances()) if c.regressed] == \
        ["risk.false_urgent_rate"]


def test_suites_run_for_real_and_write_summary_and_report(pipeline, tmp_path):
    from evals.report import write_report

    summary, cases = run(pipeline.settings, ["disagreements", "replies"], tmp_path, progress=False, pipeline=pipeline)
    assert set(summary["metrics"]) == {"disagreements.coverage", "replies.similarity", "replies.key_point_coverage"}
    assert summary["cases"]["disagreements"] >= 15 and summary["cases"]["replies"] >= 8
    assert json.loads((tmp_path / "summary.json").read_text())["metrics"] == summary["metrics"]
    html = write_report(summary, cases, tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "Every case (failures first)" in html
    assert cases[0]["question"][:30].replace("&", "&amp;") in html or cases[0]["id"] in html


def test_baseline_is_committed_with_the_headline_metrics():
    metrics = json.loads(BASELINE.read_text())["metrics"]
    for key in ("retrieval.hit@5", "retrieval.mrr", "risk.urgent.recall", "risk.false_urgent_rate", "scope.accuracy",
                "answers.key_point_coverage", "answers.groundedness", "disagreements.coverage"):
        assert key in metrics


def test_compare_passes_on_the_same_config(built_settings, fresh_settings, tmp_path):
    result = CliRunner().invoke(main, ["eval", "--suite", "retrieval", "--suite", "disagreements", "--no-progress",
                                       "--out", str(tmp_path), "--compare", str(BASELINE)], env=_env(built_settings))
    assert result.exit_code == 0, result.output
    assert "retrieval.hit@5" in result.output and "REGRESSED" not in result.output
    assert (tmp_path / "report.html").exists()


def test_a_deliberate_regression_fails_the_gate(built_settings, fresh_settings, tmp_path):
    # Retrieving one passage instead of five: hit@5 and MRR fall, so CI must refuse the change.
    result = CliRunner().invoke(main, ["eval", "--suite", "retrieval", "--no-progress", "--out", str(tmp_path),
                                       "--compare", str(BASELINE)], env=_env(built_settings, COACH_RETRIEVAL_K="1"))
    assert result.exit_code == 1, result.output
    assert "REGRESSED" in result.output and "retrieval.hit@5" in result.output


def test_llm_generator_eval_counts_fallbacks_and_stays_grounded(built_settings, fresh_settings, tmp_path):
    """`coach eval --generator llm` against the wire-protocol test server answering with the real small model's
    bad answers: every model answer is rejected, the report counts the fallbacks and the replies stay grounded."""
    from tests.support.model_server import replay
    from tests.support.paths import SMALL_MODEL_ANSWERS as FIXTURES
    from tests.support.paths import load_yaml

    bad = [a["answer"] for a in load_yaml(FIXTURES)["answers"]]
    with replay(bad) as fake:
        env = _env(built_settings, COACH_LLM_BASE_URL=fake.url, COACH_LLM_MODEL="fake-model", COACH_LLM_API_KEY="k")
        result = CliRunner().invoke(main, ["eval", "--suite", "answers_held_out", "--generator", "llm",
                                           "--no-progress", "--out", str(tmp_path)], env=env)
        assert result.exit_code == 0, result.output
        assert fake.requests, "the model endpoint was never called"
    summary = json.loads((tmp_path / "summary.json").read_text())
    metrics = summary["metrics"]
    cases = json.loads((tmp_path / "cases.json").read_text())
    # Every in-scope question went to the model and fell back (a grounded "the articles don't cover this" included);
    # declines and crisis replies never reach a model, and the rate counts only the answers the model was asked for.
    answered = [c for c in cases if "not answered (scope out" not in " ".join(c["failures"])
                and "risk urgent)" not in " ".join(c["failures"])]
    assert 0 < len(answered) < summary["cases"]["answers_held_out"]  # the set has a crisis reply the model never saw
    assert len(fake.requests) >= len(answered)
    assert metrics["answers_held_out.fallback_rate"] == 1.0
    assert metrics["answers_held_out.groundedness"] == 1.0 and metrics["answers_held_out.citation_validity"] == 1.0
