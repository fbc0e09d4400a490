"""Chroma: the passages' embedding windows and sentences, written and read here (ids, metadata, vectors).

Two collections: `<prefix>_passages` (one record per embedding window, `passage#wN`) and `<prefix>_sentences`
(one per sentence, `passage#sN`). Passage ids are content hashes, so ingest upserts what changed and deletes
what is gone. Embedded (PersistentClient) or a Chroma server (HttpClient, COACH_CHROMA_URL).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx
import numpy as np

from ..deadline import call_within
from ..errors import IndexMissing, IndexUnavailable
from ..settings import Settings
from .articles import Article
from .chunking import Passage
from .standalone import standings

# Set deliberately: Chroma's defaults (M=16, ef=100) lost recall against exact search on hard data.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
BATCH = 500
PAGE = 2000
INGEST_TIMEOUT = 120.0  # seconds per read while ingesting (a batch upsert), not the serving deadline
RETRY_AFTER = "10"  # seconds a client is told to wait when the index can't be reached
log = logging.getLogger("coach")


@dataclass
class IndexHandle:
    passages: object  # chromadb Collection of embedding windows
    sentences: object  # chromadb Collection of passage sentences
    client: object


@dataclass
class StoredPassage:
    """A passage as the index holds it, with its sentence vectors kept in memory."""

    id: str
    article_id: str
    title: str
    author: str
    publication: str
    url: str | None
    kind: str
    heading: str
    ordinal: int
    text: str
    sentences: list[str]
    roles: list[str]
    vectors: np.ndarray  # one row per sentence
    windows: np.ndarray  # one row per embedded window
    stands: list[str] = field(default_factory=list)  # per sentence: alone | previous | never (standalone.py)


def window_id(passage_id: str, n: int) -> str:
    return f"{passage_id}#w{n}"


def sentence_id(passage_id: str, n: int) -> str:
    return f"{passage_id}#s{n}"


def passage_of(record_id: str) -> str:
    """The passage id of a window or sentence record."""
    return record_id.split("#", 1)[0]


def make_client(settings: Settings, timeout: float | None = None):
    """A Chroma client that never reaches the network beyond the configured server; a server's every read has a
    deadline (`timeout`, else COACH_CHROMA_TIMEOUT)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return _timed_http_client(lambda: chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
            settings=chroma_settings), timeout or settings.chroma_timeout, settings.chroma_url)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def _timed_http_client(make, timeout: float, where: str):
    """chromadb's HttpClient reads through an httpx session without a timeout, and its constructor already calls
    the server: it is built in a thread waited for `timeout` seconds, then its session gets the deadline."""
    try:
        client = call_within(make, timeout, name="chroma-connect")
    except TimeoutError:
        raise IndexUnavailable(f"the Chroma server at {where} did not answer within {timeout:g} s",
                               headers={"Retry-After": RETRY_AFTER}) from None
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout, connect=min(3.0, timeout))
    else:  # a chromadb release that moved it: say so rather than hang silently on a frozen server
        log.warning("could not set a timeout on the Chroma client's session: a frozen server may hang requests")
    return client


def collection_names(settings: Settings) -> tuple[str, str]:
    return f"{settings.collection_prefix}_passages", f"{settings.collection_prefix}_sentences"


def open_index(settings: Settings, *, create: bool, model_name: str, chunker: str) -> IndexHandle:
    """Open (or create) both collections; a missing or foreign index raises IndexUnavailable with a fix."""
    try:
        client = make_client(settings, INGEST_TIMEOUT if create else None)
        names = collection_names(settings)
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    except IndexUnavailable:
        raise
    except Exception as exc:  # chromadb raises many types for a corrupt store or a dead server
        where = settings.chroma_url or settings.chroma_path
        raise IndexUnavailable(f"the knowledge index at {where} cannot be opened ({type(exc).__name__}: {exc}). "
                               "Rebuild it with `coach ingest --rebuild`, or check COACH_CHROMA_URL.") from exc
    meta = {"embedding_model": model_name, "chunker": chunker}
    if not create:
        if not set(names) <= existing:
            raise IndexMissing("the knowledge index has not been built yet: run `coach ingest` first.")
        handle = IndexHandle(*(client.get_collection(n, embedding_function=None) for n in names), client)
        found = handle.passages.metadata or {}
        if found.get("embedding_model") != model_name:
            raise IndexUnavailable(f"the index was built with {found.get('embedding_model')!r}, not "
                                   f"{model_name!r}: run `coach ingest --rebuild`.")
        return handle
    cols = []
    for name in names:
        if name in existing:
            col = client.get_collection(name, embedding_function=None)
            if (col.metadata or {}) != meta:  # another model or chunker: vectors are not comparable
                client.delete_collection(name)
                existing.discard(name)
        if name not in existing:
            col = client.create_collection(name, embedding_function=None, metadata=meta,
                                           configuration={"hnsw": HNSW})
        cols.append(col)
    return IndexHandle(cols[0], cols[1], client)


def drop_index(settings: Settings) -> None:
    client = make_client(settings)
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for name in collection_names(settings):
        if name in existing:
            client.delete_collection(name)


def all_ids(collection) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        page = collection.get(include=[], limit=5000, offset=offset)["ids"]
        ids.update(page)
        if len(page) < 5000:
            return ids
        offset += len(page)


@dataclass
class Records:
    """What one batch of passages writes: window and sentence records, in the order their texts are embedded."""

    window_ids: list[str]
    window_texts: list[str]
    window_meta: list[dict]
    sentence_ids: list[str]
    sentence_texts: list[str]
    sentence_meta: list[dict]

    @property
    def texts(self) -> list[str]:
        return self.window_texts + self.sentence_texts


def records_for(passages: list[Passage], articles: dict[str, Article]) -> Records:
    """The records of new passages: the metadata written here is what load_passages() reads back."""
    records = Records([], [], [], [], [], [])
    for p in passages:
        a = articles[p.article_id]
        common = {"passage_id": p.id, "article_id": p.article_id, "title": a.title, "author": a.author,
                  "publication": a.publication, "url": a.url or "", "kind": p.kind, "heading": p.heading,
                  "ordinal": p.ordinal}
        for n, text in enumerate(p.embed_texts):
            records.window_ids.append(window_id(p.id, n))
            records.window_texts.append(text)
            records.window_meta.append({**common, "window": n, "text": p.text})
        for n, ((role, sentence), stands) in enumerate(zip(p.sentences, _stands(p.sentences))):
            records.sentence_ids.append(sentence_id(p.id, n))
            records.sentence_texts.append(sentence)
            records.sentence_meta.append({"passage_id": p.id, "article_id": p.article_id, "role": role,
                                          "position": n, "stands": stands})
    return records


def _stands(sentences: list[tuple[str, str]]) -> list[str]:
    """Standing of each sentence within its own part (a reader's comment, the coach's reply, the article)."""
    out: list[str] = []
    start = 0
    while start < len(sentences):
        end = start
        while end < len(sentences) and sentences[end][0] == sentences[start][0]:
            end += 1
        out += standings([s for _, s in sentences[start:end]])
        start = end
    return out


def write_records(handle: IndexHandle, records: Records, vectors: np.ndarray) -> None:
    """Sentences first: a passage is visible to search only once its sentences are stored."""
    windows = len(records.window_ids)
    _upsert(handle.sentences, records.sentence_ids, vectors[windows:], records.sentence_texts,
            records.sentence_meta)
    _upsert(handle.passages, records.window_ids, vectors[:windows], records.window_texts, records.window_meta)


def delete_passages(handle: IndexHandle, passage_ids: set[str], window_ids: set[str],
                    sentence_ids: set[str]) -> None:
    """Remove every window and sentence record of the given passages."""
    _delete(handle.passages, sorted(i for i in window_ids if passage_of(i) in passage_ids))
    _delete(handle.sentences, sorted(i for i in sentence_ids if passage_of(i) in passage_ids))


def _upsert(collection, ids: list[str], embeddings: np.ndarray, documents: list[str], metadatas: list[dict]) -> None:
    for start in range(0, len(ids), BATCH):
        end = start + BATCH
        collection.upsert(ids=ids[start:end], embeddings=embeddings[start:end].tolist(),
                          documents=documents[start:end], metadatas=metadatas[start:end])


def _delete(collection, ids: list[str]) -> None:
    for start in range(0, len(ids), BATCH):
        collection.delete(ids=ids[start:start + BATCH])


def get_all(collection, include: list[str]) -> dict:
    """Every record of a collection, paged."""
    out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset)
        out["ids"].extend(page["ids"])
        for key in include:
            values = page[key]
            out[key].extend(list(values) if values is not None else [])
        if len(page["ids"]) < PAGE:
            return out
        offset += len(page["ids"])


def load_passages(handle: IndexHandle) -> dict[str, StoredPassage]:
    """Every passage with its sentences and vectors, as records_for() wrote them."""
    windows = get_all(handle.passages, ["metadatas", "embeddings"])
    sentences = get_all(handle.sentences, ["metadatas", "documents", "embeddings"])
    by_passage: dict[str, list[tuple[int, str, str, np.ndarray]]] = {}
    for meta, doc, vec in zip(sentences["metadatas"], sentences["documents"], sentences["embeddings"]):
        by_passage.setdefault(meta["passage_id"], []).append((meta["position"], meta["role"], doc, vec,
                                                              meta.get("stands")))
    window_vectors: dict[str, list] = {}
    for meta, vec in zip(windows["metadatas"], windows["embeddings"]):
        window_vectors.setdefault(meta["passage_id"], []).append(vec)
    passages: dict[str, StoredPassage] = {}
    for meta in windows["metadatas"]:
        pid = meta["passage_id"]
        if pid in passages:
            continue
        rows = sorted(by_passage.get(pid, []), key=lambda r: r[0])
        passages[pid] = StoredPassage(
            id=pid, article_id=meta["article_id"], title=meta["title"], author=meta["author"],
            publication=meta.get("publication", ""), url=meta.get("url") or None, kind=meta["kind"],
            heading=meta["heading"], ordinal=int(meta["ordinal"]), text=meta["text"],
            sentences=[r[2] for r in rows], roles=[r[1] for r in rows],
            vectors=np.asarray([r[3] for r in rows], dtype=np.float32).reshape(len(rows), -1),
            windows=np.asarray(window_vectors[pid], dtype=np.float32),
            # An index written before sentences were marked: marked now, the same way ingest would.
            stands=[r[4] for r in rows] if all(r[4] for r in rows) else _stands([(r[1], r[2]) for r in rows]),
        )
    return passages
