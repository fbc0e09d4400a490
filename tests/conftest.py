"""Shared fixtures: the real model (loaded once), a built index in a temp folder, free ports."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT, Settings

ARTICLES = PROJECT_ROOT / "knowledge" / "articles"


@pytest.fixture(scope="session")
def embedder():
    from service.embeddings import get_embedder

    return get_embedder(1)


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose Chroma index (embedded mode) holds the whole corpus."""
    from service.ingest import ingest

    root = tmp_path_factory.mktemp("index")
    settings = Settings(chroma_path=root / "chroma", data_dir=root, chroma_url=None)
    ingest(settings, embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def knowledge(built_settings, embedder):
    from service.retrieval import KnowledgeBase

    return KnowledgeBase.load(built_settings, embedder.name)


@pytest.fixture()
def articles_copy(tmp_path) -> Path:
    """A private copy of the articles folder that a test may edit."""
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def coach(built_settings, embedder):
    """The real pipeline on the real index, grounded generator."""
    from service.coach import Coach

    return Coach.build(built_settings.with_overrides(generator="grounded"), embedder)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; a test never downloads a browser
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get update && apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def fake():
    """The OpenAI wire-protocol test server (tests/fake_openai.py), one per test module."""
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


def llm_settings(settings: Settings, endpoint_url: str) -> Settings:
    """Settings that send generation to a model endpoint (in tests, the wire-protocol test server)."""
    return settings.with_overrides(llm_base_url=endpoint_url, llm_model="fake-model", llm_api_key="k",
                                   llm_timeout=2.0, generator="auto")


def load_yaml(path):
    import yaml

    return yaml.safe_load(open(path, encoding="utf-8"))


SHARED = PROJECT_ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "small-model-answers.yaml"
