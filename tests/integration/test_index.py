"""Ingest is idempotent; search works embedded and against a Chroma server; a bad index is a clear error."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.knowledge import store as idx
from service.knowledge.ingest import ingest
from service.knowledge.store import passage_of
from service.retrieval.knowledge_base import KnowledgeBase
from service.retrieval.search import Retriever
from service.settings import Settings
from tests.support.chroma_server import ChromaServer

COWORKER = "my ex is my coworker, how do I do no contact"


def _passage_ids(settings: Settings) -> set[str]:
    handle = idx.open_index(settings, create=False, model_name="all-MiniLM-L6-v2", chunker="1")
    return {passage_of(i) for i in idx.all_ids(handle.passages)}


def test_reingest_is_idempotent_and_tracks_edits_and_deletions(tmp_path, articles_copy, embedder):
    settings = Settings(chroma_path=tmp_path / "chroma", data_dir=tmp_path)
    first = ingest(settings, embedder, source=articles_copy, progress=False)
    ids_first = _passage_ids(settings)
    assert first.added == first.passages == len(ids_first) > 100

    second = ingest(settings, embedder, source=articles_copy, progress=False)
    assert (second.added, second.updated, second.removed, second.embedded) == (0, 0, 0, 0)
    assert _passage_ids(settings) == ids_first

    # Edit one paragraph of one article: only that article's affected passage changes.
    path = articles_copy / "barker-no-contact-questions.md"
    path.write_text(path.read_text().replace("for about 30 days", "for about 45 days"))
    third = ingest(settings, embedder, source=articles_copy, progress=False)
    assert (third.added, third.updated, third.removed) == (0, 1, 0)
    ids_third = _passage_ids(settings)
    changed = ids_first ^ ids_third
    assert len(changed) == 2 and all(c.startswith("barker-no-contact-questions:") for c in changed)

    # Delete an article: all its passages and sentences are gone.
    (articles_copy / "sakurai-no-contact-to-heal.md").unlink()
    fourth = ingest(settings, embedder, source=articles_copy, progress=False)
    assert fourth.removed > 10 and fourth.added == 0
    handle = idx.open_index(settings, create=False, model_name=embedder.name, chunker="1")
    assert not [i for i in idx.all_ids(handle.passages) if i.startswith("sakurai")]
    assert not [i for i in idx.all_ids(handle.sentences) if i.startswith("sakurai")]
    assert handle.passages.count() == sum(1 for _ in idx.all_ids(handle.passages))


def test_search_embedded_finds_the_coworker_advice(knowledge, embedder):
    hits = Retriever(knowledge).search(embedder.embed([COWORKER])[0], k=5, query=COWORKER)
    assert len(hits) == 5
    assert {"barker-no-contact-questions", "zan-what-is-the-no-contact-rule"} & {h.passage.article_id for h in hits}
    assert hits[0].score >= hits[-1].score


@pytest.fixture()
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "server").start()
    yield server.url
    server.stop()


@pytest.mark.server
def test_search_against_a_chroma_server(chroma_server, tmp_path, articles_copy, embedder):
    for name in ("sakurai-no-contact-to-heal.md", "zan-struggling-with-no-contact.md"):
        (articles_copy / name).unlink()  # three articles keep the test quick
    settings = Settings(chroma_url=chroma_server, data_dir=tmp_path, chroma_path=tmp_path / "unused")
    report = ingest(settings, embedder, source=articles_copy, progress=False)
    assert report.added > 50
    assert not (tmp_path / "unused").exists()  # nothing was written locally
    again = ingest(settings, embedder, source=articles_copy, progress=False)
    assert again.embedded == 0
    retriever = Retriever(KnowledgeBase.load(settings, embedder.name))
    hits = retriever.search(embedder.embed([COWORKER])[0], k=5, query=COWORKER)
    assert {"barker-no-contact-questions", "zan-what-is-the-no-contact-rule"} & {h.passage.article_id for h in hits}


def _coach(*args: str, env: dict) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("coach")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def test_cli_search_json_contract(built_settings):
    out = _coach("search", "--json", COWORKER, env={"COACH_CHROMA_PATH": str(built_settings.chroma_path)})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # stdout holds the JSON and nothing else
    assert list(data) == ["results"] and len(data["results"]) == 5
    for r in data["results"]:
        assert set(r) == {"article_id", "title", "author", "text", "score"}
        assert isinstance(r["score"], float)
    found = {r["article_id"] for r in data["results"]}
    assert {"barker-no-contact-questions", "zan-what-is-the-no-contact-rule"} & found


def test_cli_search_builds_a_missing_index(tmp_path):
    out = _coach("search", "--json", "--k", "3", "how long should no contact last",
                 env={"COACH_CHROMA_PATH": str(tmp_path / "fresh")})
    assert out.returncode == 0, out.stderr
    assert "building it now" in out.stderr
    assert len(json.loads(out.stdout)["results"]) == 3


def test_corrupt_index_is_a_clear_message(tmp_path):
    store = tmp_path / "broken"
    store.mkdir()
    (store / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    out = _coach("search", "--json", "anything", env={"COACH_CHROMA_PATH": str(store)})
    assert out.returncode != 0
    assert out.stdout == ""
    assert "coach ingest --rebuild" in out.stderr
    assert "Traceback" not in out.stderr
