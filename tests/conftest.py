"""Shared fixtures: the real model (loaded once), a built index in a temp folder, the pipeline, a browser."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.settings import Settings
from tests.support.paths import ARTICLES


@pytest.fixture(scope="session")
def embedder():
    from service.embeddings import get_embedder

    return get_embedder(1)


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose Chroma index (embedded mode) holds the whole corpus."""
    from service.knowledge.ingest import ingest

    root = tmp_path_factory.mktemp("index")
    settings = Settings(chroma_path=root / "chroma", data_dir=root, chroma_url=None)
    ingest(settings, embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def knowledge(built_settings, embedder):
    from service.retrieval.knowledge_base import KnowledgeBase

    return KnowledgeBase.load(built_settings, embedder.name)


@pytest.fixture()
def articles_copy(tmp_path) -> Path:
    """A private copy of the articles folder that a test may edit."""
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


@pytest.fixture(scope="session")
def pipeline(built_settings, embedder):
    """The real pipeline on the real index, grounded generator."""
    from service.answering.pipeline import AnswerPipeline

    return AnswerPipeline.build(built_settings.with_overrides(generator="grounded"), embedder)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get update && apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def fake():
    """The OpenAI wire-protocol test server (tests/support/model_server.py), one per test module."""
    from tests.support.model_server import FakeOpenAI

    with FakeOpenAI() as server:
        yield server





@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL cluster for the session (Debian's postgresql package)."""
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database: each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    return request.getfixturevalue("postgres").new_database()
