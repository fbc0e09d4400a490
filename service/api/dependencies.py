"""What controllers receive by Litestar dependency injection: built once in the app's lifespan, read from state.

Use the aliases as parameter types under the dependency's name, e.g. `comment_store: CommentStoreDep`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeAlias

import anyio
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from ..answering.pipeline import AnswerPipeline
from ..errors import Unavailable
from ..feedback.store import FeedbackStore
from ..settings import Settings
from ..workspace.cards import CardEditor
from ..workspace.comments import CommentStore
from ..workspace.drafting import Drafter
from ..workspace.jobs import ImportJobs

PipelineDep: TypeAlias = NamedDependency[AnswerPipeline]
MaybePipelineDep: TypeAlias = NamedDependency[AnswerPipeline | None]
FeedbackStoreDep: TypeAlias = NamedDependency[FeedbackStore | None]
CommentStoreDep: TypeAlias = NamedDependency[CommentStore]
DrafterDep: TypeAlias = NamedDependency[Drafter]
ComputeLimiterDep: TypeAlias = NamedDependency[anyio.CapacityLimiter]
SettingsDep: TypeAlias = NamedDependency[Settings]
TitlesDep: TypeAlias = NamedDependency[dict[str, str]]
CardEditorDep: TypeAlias = NamedDependency[CardEditor]
ImportJobsDep: TypeAlias = NamedDependency[ImportJobs]


def _pipeline(state: State) -> AnswerPipeline | None:
    return state.get("pipeline")


def _feedback_store(state: State) -> FeedbackStore | None:
    return state.get("feedback_store")


def _comment_store(state: State) -> CommentStore:
    store = state.get("comment_store")
    if store is None:
        raise Unavailable("the workspace is not ready")
    return store


_MADE_ONCE = threading.Lock()


def _made_once(state: State, name: str, make: Callable) -> object:
    """`state.<name>`, made from the pipeline on first use, exactly once even when two requests arrive together."""
    if state.get(name) is None:
        with _MADE_ONCE:
            if state.get(name) is None:
                if state.get("pipeline") is None:
                    raise Unavailable("the coach is still loading")
                state[name] = make(state.pipeline)
    return state[name]


def _import_jobs(state: State) -> ImportJobs:
    jobs = state.get("import_jobs")
    if jobs is None:
        raise Unavailable("the workspace is not ready")
    return jobs


def _drafter(state: State) -> Drafter:
    """One Drafter per process (it reads the whole knowledge base once)."""
    return _made_once(state, "drafter", Drafter)


def _compute_limiter(state: State) -> anyio.CapacityLimiter:
    return state.compute_limiter


def _settings(state: State) -> Settings:
    return state.settings


def _card_editor(state: State) -> CardEditor:
    """One editor per process: its lock keeps two saves of the coach's cards from interleaving."""
    return _made_once(state, "card_editor", CardEditor)


def _titles(state: State) -> dict[str, str]:
    """Article id -> title, for the workspace's pages and exports."""
    pipeline = state.get("pipeline")
    return {p.article_id: p.title for p in pipeline.kb.passages.values()} if pipeline is not None else {}


DEPENDENCIES = {
    "pipeline": Provide(_pipeline, sync_to_thread=False),
    "feedback_store": Provide(_feedback_store, sync_to_thread=False),
    "comment_store": Provide(_comment_store, sync_to_thread=False),
    "drafter": Provide(_drafter, sync_to_thread=False),
    "compute_limiter": Provide(_compute_limiter, sync_to_thread=False),
    "settings": Provide(_settings, sync_to_thread=False),
    "titles": Provide(_titles, sync_to_thread=False),
    "card_editor": Provide(_card_editor, sync_to_thread=False),
    "import_jobs": Provide(_import_jobs, sync_to_thread=False),
}
