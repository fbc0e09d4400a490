"""GET /healthz: readiness of the index, the model and the generator."""
from __future__ import annotations

from litestar import Controller, get

from ..errors import Unavailable
from .dependencies import MaybePipelineDep


class HealthController(Controller):
    path = "/healthz"
    tags = ["ops"]

    @get("/", sync_to_thread=False, summary="Readiness: index loaded, model warm, generator configured")
    def health(self, pipeline: MaybePipelineDep) -> dict:
        if pipeline is None:
            raise Unavailable("the coach is still loading")
        return {
            "status": "ok",
            "index": {"passages": len(pipeline.kb.passages), "articles": len(pipeline.kb.article_ids),
                      "mode": "server" if pipeline.settings.chroma_url else "embedded"},
            "model": {"name": pipeline.embedder.name, "warm": True},
            "generator": pipeline.generator.name,
            "llm_model": pipeline.settings.llm_model if pipeline.model is not None else None,
        }
