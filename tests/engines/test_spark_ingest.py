"""Spark ingest: chunked normalization stored like the local ingest, and resumable per chunk."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.spark


def _inputs(folder: Path, n: int = 40) -> list[str]:
    folder.mkdir()
    for k in range(n):
        body = "".join("城市交通建设第{}期工程进展顺利，居民出行更加便利。".format(k * 10 + j) for j in range(4))
        (folder / f"{k:03d}.md").write_text(f"---\ntitle: 工程通报{k}\ndate: 2024-05-{1 + k % 20:02d}\n---\n\n{body}\n",
                                            encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    return [str(folder)]


def test_chunks_store_what_local_ingest_stores_and_resume(spark, tmp_path):
    from storytrace.engines.spark_ingest import ingest_spark
    from storytrace.ingest import ingest
    from storytrace.store import Store

    inputs = _inputs(tmp_path / "in")
    with Store(tmp_path / "local.db") as st:
        local = ingest(inputs, st)
        local_ids, local_errors = st.article_ids(), sorted((e.path, e.reason) for e in st.errors())
    db = tmp_path / "spark.db"
    with Store(db) as st:
        summary = ingest_spark(inputs, st, master="local[2]")
        assert st.article_ids() == local_ids
        assert sorted((e.path, e.reason) for e in st.errors()) == local_errors
    assert (summary.read, summary.stored, summary.failed) == (local.read, local.stored, local.failed)

    chunks = sorted(Path(str(db) + ".spark").glob("ingest-*/c*/_SUCCESS"))
    assert len(chunks) >= 2, "inputs are normalized in several chunks"
    written = [p.stat().st_mtime_ns for p in chunks]
    # The store is lost but the normalized chunks remain: a re-run reads them back.
    for path in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        path.unlink(missing_ok=True)
    with Store(db) as st:
        again = ingest_spark(inputs, st, master="local[2]")
        assert st.article_ids() == local_ids
    assert again.stored == local.stored
    assert [p.stat().st_mtime_ns for p in chunks] == written
