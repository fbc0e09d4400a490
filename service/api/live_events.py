"""The model's answer as Server-Sent Events while it is written: each sentence sent once it has passed its checks."""
from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
from collections.abc import AsyncIterator, Callable

import anyio
import anyio.from_thread
import anyio.lowlevel
import msgspec
from litestar.response.sse import ServerSentEventMessage

from ..answering.generators.base import ModelText
from ..answering.generators.llm import StreamStopped
from ..answering.live import VerifiedStream
from ..answering.stages import AnswerResult
from ..errors import GenerationError

log = logging.getLogger("coach")


def event(kind: str, payload: dict) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=json.dumps(payload), event=kind)


def done(result: AnswerResult) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=json.dumps(msgspec.to_builtins(result.reply)), event="done")


async def live_events(live: VerifiedStream, compute: anyio.CapacityLimiter,
                      on_result: Callable[[AnswerResult], None]) -> AsyncIterator[ServerSentEventMessage]:
    """`delta` events as sentences pass, then the rest of the reply or a `replace` event, then `done`.

    The model is read on the client's own thread, which hands each piece to this loop; the whole answer has one
    deadline (COACH_LLM_TIMEOUT) counted here, however the endpoint behaves. A failed sentence, a failed endpoint,
    the deadline or the reader leaving stops the model at its next piece."""
    head = live.start()
    if head:
        yield event("delta", {"text": head})
    send, receive = anyio.create_memory_object_stream[tuple](max_buffer_size=math.inf)
    stop = threading.Event()
    token = anyio.lowlevel.current_token()

    def hand_over(item: tuple) -> None:
        try:
            anyio.from_thread.run_sync(send.send_nowait, item, token=token)
        except Exception:  # the reader's loop is gone (they left): stop reading the model
            stop.set()
            raise StreamStopped from None

    def read_model() -> None:  # on the client's network thread, which also says when it is done (never the loop)
        try:
            outcome = (live.model.client.stream_to(live.prepared.context, lambda piece: hand_over(("piece", piece)),
                                                   stop), None)
        except GenerationError as exc:
            outcome = (None, str(exc))
        except StreamStopped:
            return
        except Exception as exc:  # a bug of ours must not leave the reader without an answer
            log.exception("reading the model's stream failed")
            outcome = (None, f"error: {type(exc).__name__}")
        _quietly(hand_over, ("end", outcome))

    live.model.client.submit(read_model)
    timeout = live.pipeline.settings.llm_timeout
    deadline = anyio.current_time() + timeout
    failure: str | None = None
    model_text: ModelText | None = None
    try:
        while True:
            item = None
            with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
                item = await receive.receive()
            if item is None:
                failure = f"timeout after {timeout:g} s (the whole answer)"
                break
            kind, payload = item
            if kind == "end":
                model_text, failure = payload
                break
            live.add(payload)
            if live.ready():
                text, failure = await _checked(live.release, compute)
                if failure is not None:
                    break
                if text:
                    yield event("delta", {"text": text})
        if failure is None:
            text, failure = await _checked(lambda: live.release(final=True), compute)
            if text:
                yield event("delta", {"text": text})
    finally:
        stop.set()
        receive.close()
    written = VerifiedStream.written(model_text, failure)
    result, last = await anyio.to_thread.run_sync(live.ending, written, limiter=compute)  # logs a fallback
    if last is not None:
        yield event(*last)
    on_result(result)
    yield done(result)


async def _checked(release: Callable[[], str], compute: anyio.CapacityLimiter) -> tuple[str, str | None]:
    """(checked text, None) or ("", why it failed): a failed check, or a bug of ours, ends in the grounded answer."""
    try:
        return await anyio.to_thread.run_sync(release, limiter=compute), None
    except GenerationError as exc:
        return "", str(exc)
    except Exception as exc:
        log.exception("checking the streamed answer failed")
        return "", f"error: {type(exc).__name__}"


def _quietly(func: Callable, *args) -> None:
    with contextlib.suppress(StreamStopped):
        func(*args)
