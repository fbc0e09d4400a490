"""Build or refresh the Chroma index from knowledge/articles: idempotent, by content hash."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..embeddings import Embedder
from ..errors import IndexMissing
from ..settings import Settings
from . import store
from .articles import load_articles
from .chunking import CHUNKER_VERSION, split_passages


@dataclass
class IngestReport:
    articles: int
    passages: int
    added: int
    updated: int
    removed: int
    unchanged: int
    embedded: int  # texts sent to the model (windows + sentences)
    seconds: float

    def summary(self) -> str:
        return (f"{self.articles} articles, {self.passages} passages: {self.added} added, {self.updated} updated, "
                f"{self.removed} removed, {self.unchanged} unchanged; {self.embedded} texts embedded "
                f"in {self.seconds:.1f} s")


def ingest(settings: Settings, embedder: Embedder, *, source: Path | None = None, rebuild: bool = False,
           progress: bool = True) -> IngestReport:
    """Embed new or edited passages, delete stale ones; unchanged passages cost nothing."""
    started = time.perf_counter()
    articles = load_articles(source or settings.articles_dir)
    by_id = {a.id: a for a in articles}
    passages = [p for a in articles for p in split_passages(a, embedder.count_tokens, embedder.max_tokens)]
    if rebuild:
        store.drop_index(settings)
    handle = store.open_index(settings, create=True, model_name=embedder.name, chunker=CHUNKER_VERSION)

    stored_windows = store.all_ids(handle.passages)
    stored_sentences = store.all_ids(handle.sentences)
    stored = {store.passage_of(i) for i in stored_windows}
    wanted = {p.id for p in passages}
    new = [p for p in passages if p.id not in stored]
    stale = stored - wanted

    # An edit shows up as one passage removed and one added in the same article: count it as updated.
    added_per_article = Counter(p.article_id for p in new)
    removed_per_article = Counter(pid.split(":", 1)[0] for pid in stale)
    updated = sum(min(added_per_article[a], removed_per_article[a]) for a in added_per_article)

    embedded = 0
    if new:
        records = store.records_for(new, by_id)
        store.write_records(handle, records, _embed_batched(embedder, records.texts, progress))
        embedded = len(records.texts)
    store.delete_passages(handle, stale, stored_windows, stored_sentences)
    return IngestReport(
        articles=len(articles), passages=len(passages), added=len(new) - updated, updated=updated,
        removed=len(stale) - updated, unchanged=len(passages) - len(new), embedded=embedded,
        seconds=time.perf_counter() - started,
    )


def ensure_index(settings: Settings, embedder: Embedder,
                 on_build: Callable[[IngestReport | None], None] | None = None) -> IngestReport | None:
    """Build the index when it does not exist yet (None when it did). `on_build(None)` is called before the build
    and `on_build(report)` after it, so the caller can tell the user, who would otherwise wait in silence."""
    try:
        handle = store.open_index(settings, create=False, model_name=embedder.name, chunker=CHUNKER_VERSION)
        if handle.passages.count():
            return None
    except IndexMissing:
        pass  # not built yet: build it below
    if on_build:
        on_build(None)
    report = ingest(settings, embedder, progress=False)
    if on_build:
        on_build(report)
    return report


def _embed_batched(embedder: Embedder, texts: list[str], progress: bool, batch: int = 64) -> np.ndarray:
    """Embed in length-sorted batches (less padding) behind a progress bar; rows keep the input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    with tqdm(total=len(texts), desc="embedding", unit="text", disable=not progress or len(texts) < batch,
              leave=False) as bar:
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            out[rows] = embedder.embed([texts[i] for i in rows])
            bar.update(len(rows))
    return out
