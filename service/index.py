"""Chroma: passages and their sentences, upserted by content hash; embedded or HTTP server."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from .settings import Settings

# Set deliberately: Chroma's defaults (M=16, ef=100) lost recall against exact search on hard data.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
BATCH = 500


class IndexError_(RuntimeError):
    """The index is missing, unreadable or built by another model: says how to fix it."""


class IndexMissing(IndexError_):
    """The index has not been built (or holds nothing): `coach ingest` fixes it."""


@dataclass
class IndexHandle:
    passages: object  # chromadb Collection of embedding windows
    sentences: object  # chromadb Collection of passage sentences
    client: object


def make_client(settings: Settings):
    """A Chroma client that never reaches the network beyond the configured server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def collection_names(settings: Settings) -> tuple[str, str]:
    return f"{settings.collection_prefix}_passages", f"{settings.collection_prefix}_sentences"


def open_index(settings: Settings, *, create: bool, model_name: str, chunker: str) -> IndexHandle:
    """Open (or create) both collections; a missing or foreign index raises IndexError_ with a fix."""
    try:
        client = make_client(settings)
        names = collection_names(settings)
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    except Exception as exc:  # chromadb raises many types for a corrupt store or a dead server
        where = settings.chroma_url or settings.chroma_path
        raise IndexError_(f"the knowledge index at {where} cannot be opened ({type(exc).__name__}: {exc}). "
                          "Rebuild it with `coach ingest --rebuild`, or check COACH_CHROMA_URL.") from exc
    meta = {"embedding_model": model_name, "chunker": chunker}
    if not create:
        if not set(names) <= existing:
            raise IndexMissing("the knowledge index has not been built yet: run `coach ingest` first.")
        handle = IndexHandle(*(client.get_collection(n, embedding_function=None) for n in names), client)
        found = handle.passages.metadata or {}
        if found.get("embedding_model") != model_name:
            raise IndexError_(f"the index was built with {found.get('embedding_model')!r}, not {model_name!r}: "
                              "run `coach ingest --rebuild`.")
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


def add_records(collection, ids: list[str], embeddings: np.ndarray, documents: list[str],
                metadatas: list[dict]) -> None:
    for start in range(0, len(ids), BATCH):
        end = start + BATCH
        collection.upsert(ids=ids[start:end], embeddings=embeddings[start:end].tolist(),
                          documents=documents[start:end], metadatas=metadatas[start:end])


def delete_records(collection, ids: list[str]) -> None:
    for start in range(0, len(ids), BATCH):
        collection.delete(ids=ids[start:start + BATCH])


def get_all(collection, include: list[str]) -> dict:
    """Every record of a collection, paged."""
    out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=2000, offset=offset)
        out["ids"].extend(page["ids"])
        for key in include:
            values = page[key]
            out[key].extend(list(values) if values is not None else [])
        if len(page["ids"]) < 2000:
            return out
        offset += len(page["ids"])
