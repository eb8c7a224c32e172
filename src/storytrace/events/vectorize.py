"""scikit-learn's text vectorizers as the events stage calls them, imported only when needed.

Why: importing scikit-learn costs 1.6-2 s in every process (it imports pandas and
scipy.stats), and an increment of the events stage needs none of its TF-IDF (the window's
rows are hashed term counts, `cluster.hashed_tfidf`), only binary document-term rows
(entities, figures, market sessions, sounds). So:

- `TfidfVectorizer` is scikit-learn's, imported on first use;
- `CountVectorizer(analyzer=f, binary=True).fit_transform(docs)` gives exactly what
  scikit-learn's gives (the same CSR arrays: data, indices in the same order, indptr, dtypes,
  matrix type; `tests/events/test_vectorize.py` compares them on real patterns), built with
  numpy and scipy; any other use is handed to scikit-learn's.

What scikit-learn's builds, step by step (`CountVectorizer._count_vocab`, `_limit_features`
with min_df=1 / max_df=1.0, which keeps every column in place, and `_sort_features`): terms
numbered in order of first appearance over the documents; each row holds its distinct terms
sorted by that number, with value 1 (int64); the columns are then renumbered by sorted term,
without reordering the rows' entries.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse


def TfidfVectorizer(*args, **kwargs):   # noqa: N802 - stands for the class it returns an instance of
    """scikit-learn's `TfidfVectorizer(*args, **kwargs)`, imported on first use."""
    from sklearn.feature_extraction.text import TfidfVectorizer as vectorizer

    return vectorizer(*args, **kwargs)


class CountVectorizer:
    """scikit-learn's `CountVectorizer`: binary rows of a callable analyzer's items here, the
    rest by scikit-learn (see the module docstring)."""

    def __init__(self, *, analyzer, binary: bool = False, **kwargs) -> None:
        self.analyzer, self.binary, self.kwargs = analyzer, binary, kwargs

    def _sklearn(self):
        from sklearn.feature_extraction.text import CountVectorizer as vectorizer

        return vectorizer(analyzer=self.analyzer, binary=self.binary, **self.kwargs)

    def fit_transform(self, docs) -> sparse.csr_matrix:
        if not self.binary or self.kwargs or not callable(self.analyzer):
            return self._sklearn().fit_transform(docs)
        vocabulary: dict = {}              # term -> number of first appearance
        indices: list[int] = []
        indptr = [0]
        for doc in docs:
            row = {vocabulary.setdefault(term, len(vocabulary)) for term in self.analyzer(doc)}
            indices.extend(sorted(row))
            indptr.append(len(indices))
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        if len(indices) > np.iinfo(np.int32).max:
            return self._sklearn().fit_transform(docs)
        terms = sorted(vocabulary)
        renumber = np.empty(len(terms), dtype=np.int32)
        renumber[np.fromiter((vocabulary[t] for t in terms), dtype=np.int64, count=len(terms))] = \
            np.arange(len(terms), dtype=np.int32)
        self.vocabulary_ = {term: k for k, term in enumerate(terms)}
        return sparse.csr_matrix((np.ones(len(indices), dtype=np.int64),
                                  renumber.take(np.asarray(indices, dtype=np.int32)),
                                  np.asarray(indptr, dtype=np.int32)),
                                 shape=(len(indptr) - 1, len(terms)))
