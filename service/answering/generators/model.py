"""A model's answer as a generator: written by the endpoint (llm.py), checked (guardrails/output.py), cited."""
from __future__ import annotations

import numpy as np

from ...embeddings import Embedder
from ...errors import GenerationError
from ...guardrails import output
from ...guardrails.gap_statements import tells_gap
from ...guardrails.language import detect as detect_language
from ...knowledge.store import StoredPassage
from ..reply import Citation
from .base import Composition, Context, ModelText, must_tell_gap
from .llm import ModelClient


class ModelGenerator:
    """The model writes from the numbered passages; an answer that fails a check raises GenerationError, so the
    pipeline gives the reader the grounded answer instead."""

    name = "llm"

    def __init__(self, client: ModelClient, embedder: Embedder):
        self.client = client
        self.embedder = embedder

    def compose(self, context: Context, *, stream: bool = False) -> Composition:
        return self.checked(self.write(context, stream=stream).text, context)

    def write(self, context: Context, *, stream: bool = False) -> ModelText:
        """The endpoint's text (network only: no compute slot is needed while it is awaited)."""
        return self.client.stream(context) if stream else self.client.complete(context)

    def checked(self, text: str, context: Context) -> Composition:
        """The written answer once it passes the output check, renumbered and cited; GenerationError if not."""
        passages = context.passages
        written_in = detect_language(text)
        if written_in != "en":
            # The checks compare meaning with the English retrieval model. multilingual-e5-small (the risk net's
            # encoder) was tried across languages: faithful Spanish sentences scored 0.88-0.96 against the passages
            # and invented ones up to 0.91, too close to tell apart, so the reader gets a checked English answer.
            raise GenerationError(f"output check failed: written in {written_in}; answers are checked in English")
        result = output.verify(text, passages, self.embedder, level=context.level,
                               system_prompt=self.client.system_prompt())
        if not result.ok:
            raise GenerationError("output check failed: " + "; ".join(result.reasons))
        if must_tell_gap(context) and not tells_gap(text):
            raise GenerationError("output check failed: claims coverage the articles don't give (the retrieval found "
                                  "nothing that addresses the question, and the answer doesn't say so first)")
        # Renumbered so citations read 1..n in the order the reader meets them, as the grounded ones do (and as a
        # streamed answer is numbered while it is sent: renumbered()).
        order = cited_in_order(text, len(passages))
        citations = citations_for(text, passages, context.query_vector, order)
        cited = [passages[n - 1] for n in order]
        return Composition(renumbered(text, order), _renumbered(citations), self.name, cited)


def citations_for(text: str, passages: list[StoredPassage], query_vector: np.ndarray,
                  cited: list[int]) -> list[Citation]:
    """A citation per cited passage; its quote is the passage's coach sentence closest to the question."""
    out = []
    for n in cited:
        p = passages[n - 1]
        usable = [i for i, role in enumerate(p.roles) if role != "comment"] or list(range(len(p.sentences)))
        best = max(usable, key=lambda i: float(p.vectors[i] @ query_vector)) if usable and len(p.vectors) else None
        quote = p.sentences[best] if best is not None else p.text[:200]
        out.append(Citation(n, p.article_id, p.title, p.author, p.url, quote))
    return out


def cited_in_order(text: str, count: int) -> list[int]:
    """The passage numbers a text cites, each once, in the order they first appear."""
    order: list[int] = []
    for mark in output.CITATION.findall(text):
        n = int(mark)
        if 1 <= n <= count and n not in order:
            order.append(n)
    return order


def renumbered(text: str, order: list[int]) -> str:
    """Marks renumbered 1..n in `order`; a prefix of the text renumbers the same as the whole."""
    mapping = {old: new for new, old in enumerate(order, 1)}
    return output.CITATION.sub(lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", text)


def _renumbered(citations: list[Citation]) -> list[Citation]:
    for new, c in enumerate(citations, 1):
        c.n = new
    return citations
