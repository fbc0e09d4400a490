"""Build or refresh the Chroma index from knowledge/articles: idempotent, by content hash."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import index as idx
from .corpus import CHUNKER_VERSION, Passage, load_articles, split_passages
from .embeddings import Embedder
from .settings import Settings


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


def window_id(passage_id: str, n: int) -> str:
    return f"{passage_id}#w{n}"


def sentence_id(passage_id: str, n: int) -> str:
    return f"{passage_id}#s{n}"


def passage_of(record_id: str) -> str:
    return record_id.split("#", 1)[0]


def ingest(settings: Settings, embedder: Embedder, *, source: Path | None = None, rebuild: bool = False,
           progress: bool = True) -> IngestReport:
    """Embed new or edited passages, delete stale ones; unchanged passages cost nothing."""
    started = time.perf_counter()
    articles = load_articles(source or settings.articles_dir)
    by_id = {a.id: a for a in articles}
    passages = [p for a in articles for p in split_passages(a, embedder.count_tokens, embedder.max_tokens)]
    if rebuild:
        idx.drop_index(settings)
    handle = idx.open_index(settings, create=True, model_name=embedder.name, chunker=CHUNKER_VERSION)

    stored_windows = idx.all_ids(handle.passages)
    stored_sentences = idx.all_ids(handle.sentences)
    stored = {passage_of(i) for i in stored_windows}
    wanted = {p.id: p for p in passages}
    new = [p for p in passages if p.id not in stored]
    stale = sorted(stored - wanted.keys())

    # An edit shows up as one passage removed and one added in the same article: count it as updated.
    added_per_article = Counter(p.article_id for p in new)
    removed_per_article = Counter(pid.split(":", 1)[0] for pid in stale)
    updated = sum(min(added_per_article[a], removed_per_article[a]) for a in added_per_article)

    embedded = _embed_and_store(handle, new, by_id, embedder, progress)
    idx.delete_records(handle.passages, [i for i in stored_windows if passage_of(i) in set(stale)])
    idx.delete_records(handle.sentences, [i for i in stored_sentences if passage_of(i) in set(stale)])
    return IngestReport(
        articles=len(articles), passages=len(passages), added=len(new) - updated, updated=updated,
        removed=len(stale) - updated, unchanged=len(passages) - len(new), embedded=embedded,
        seconds=time.perf_counter() - started,
    )


def _embed_and_store(handle: idx.IndexHandle, new: list[Passage], articles: dict, embedder: Embedder,
                     progress: bool) -> int:
    if not new:
        return 0
    win_ids, win_docs, win_meta, sent_ids, sent_docs, sent_meta = [], [], [], [], [], []
    for p in new:
        a = articles[p.article_id]
        common = {"passage_id": p.id, "article_id": p.article_id, "title": a.title, "author": a.author,
                  "publication": a.publication, "url": a.url or "", "kind": p.kind, "heading": p.heading,
                  "ordinal": p.ordinal}
        for n, text in enumerate(p.embed_texts):
            win_ids.append(window_id(p.id, n))
            win_docs.append(text)
            win_meta.append({**common, "window": n, "text": p.text})
        for n, (role, sentence) in enumerate(p.sentences):
            sent_ids.append(sentence_id(p.id, n))
            sent_docs.append(sentence)
            sent_meta.append({"passage_id": p.id, "article_id": p.article_id, "role": role, "position": n})
    texts = win_docs + sent_docs
    vectors = _embed_batched(embedder, texts, progress)
    # Sentences first: a passage is visible to search only once its sentences are stored.
    idx.add_records(handle.sentences, sent_ids, vectors[len(win_docs):], sent_docs, sent_meta)
    idx.add_records(handle.passages, win_ids, vectors[:len(win_docs)], win_docs, win_meta)
    return len(texts)


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
