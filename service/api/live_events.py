"""The model's answer as Server-Sent Events while it is written: each sentence sent once it has passed its checks."""
from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future

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

    future: Future[ModelText] = live.model.client.start_stream(
        live.prepared.context, lambda piece: hand_over(("piece", piece)), stop)
    future.add_done_callback(lambda f: _quietly(hand_over, ("end", f)))
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
                model_text, failure = _outcome(payload)
                break
            live.add(payload)
            if live.ready():
                try:
                    text = await anyio.to_thread.run_sync(live.release, limiter=compute)
                except GenerationError as exc:
                    failure = str(exc)
                    break
                if text:
                    yield event("delta", {"text": text})
        if failure is None:
            try:
                text = await anyio.to_thread.run_sync(lambda: live.release(final=True), limiter=compute)
                if text:
                    yield event("delta", {"text": text})
            except GenerationError as exc:
                failure = str(exc)
    finally:
        stop.set()
        receive.close()
    written = VerifiedStream.written(model_text, failure)
    result, last = await anyio.to_thread.run_sync(live.ending, written, limiter=compute)  # logs a fallback
    if last is not None:
        yield event(*last)
    on_result(result)
    yield done(result)


def _outcome(future: Future[ModelText]) -> tuple[ModelText | None, str | None]:
    try:
        return future.result(), None
    except GenerationError as exc:
        return None, str(exc)
    except StreamStopped:
        return None, "stopped"
    except Exception as exc:  # a bug of ours must not leave the reader without an answer
        log.exception("streaming the model's answer failed")
        return None, f"error: {type(exc).__name__}"


def _quietly(func: Callable, *args) -> None:
    with contextlib.suppress(StreamStopped):
        func(*args)
