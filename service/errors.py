"""The service's one exception hierarchy: app.py maps each class to its HTTP status once."""
from __future__ import annotations


class CoachError(Exception):
    """Base of every error the service raises on purpose; `detail` is written to be shown to a person."""

    status_code = 500

    def __init__(self, detail: str, *, extra: dict | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers = headers


class BadInput(CoachError):
    """The request can't be used as sent: the detail says what to change."""

    status_code = 400


class UnsupportedMediaType(BadInput):
    """The body is not in a format the endpoint reads."""

    status_code = 415


class Unprocessable(BadInput):
    """Well-formed, but not something the service will process (e.g. a question over the length limit)."""

    status_code = 422


class NotFound(CoachError):
    """No such comment, reply or article."""

    status_code = 404


class Conflict(CoachError):
    """The thing changed or is in a state that refuses this change."""

    status_code = 409


class VersionConflict(Conflict):
    """The draft changed since the version an edit was based on."""

    def __init__(self, current: int):
        super().__init__(f"the draft is at version {current}; reload it and apply your edit again",
                         extra={"current_version": current})
        self.current = current


class Unavailable(CoachError):
    """A part the request needs is not ready (still loading, or a dependency is down)."""

    status_code = 503


class ImportRejected(BadInput):
    """An import file can't be imported (malformed, unsafe or missing fields); the message says why."""


class CorpusError(CoachError):
    """An article file that cannot be read as an article."""


class IndexUnavailable(Unavailable):
    """The knowledge index is missing, unreadable or built by another model: the detail says how to fix it."""


class IndexMissing(IndexUnavailable):
    """The index has not been built (or holds nothing): `coach ingest` fixes it."""


class GenerationError(CoachError):
    """The model endpoint failed or its answer failed a check: the reader gets the grounded answer instead."""

    status_code = 502
    endpoint_failed = True  # counts toward pausing the endpoint (breaker.py)


class ModelRefusedRequest(GenerationError):
    """The endpoint answered, refusing this one request (HTTP 400, 413 or 422: a prompt past its context, say): the
    endpoint is up, so it doesn't count toward pausing it."""

    endpoint_failed = False
