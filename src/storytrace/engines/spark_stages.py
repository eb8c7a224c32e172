"""Named, resumable Spark stages over Parquet (design note 5).

Each stage writes one Parquet dataset under the work directory, named by the stage and a
fingerprint of everything it depends on (article ids, settings, the previous stage). Spark
writes `_SUCCESS` only when a job finished, so a stage whose folder has `_SUCCESS` is
read back instead of recomputed: a run killed halfway resumes at the first unfinished
stage. Paths go through Hadoop's FileSystem API, so the work directory may be local, HDFS
or an object store (`STORYTRACE_SPARK_WORK=hdfs:///tmp/storytrace`).
"""
from __future__ import annotations

import hashlib
import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Callable


def work_dir_for(store_path: str | Path) -> str:
    """Intermediate data lives beside the store (`<store>.spark/`) unless the user says where."""
    configured = os.environ.get("STORYTRACE_SPARK_WORK")
    if configured:
        return configured.rstrip("/") + "/" + Path(store_path).name + ".spark"
    return str(Path(store_path).resolve()) + ".spark"


def fingerprint(*parts: object) -> str:
    digest = hashlib.blake2b(digest_size=10)
    for part in parts:
        if isinstance(part, (list, tuple)):
            for item in part:
                digest.update(str(item).encode("utf-8"))
                digest.update(b"\x1e")
        else:
            digest.update(str(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of storytrace's version and own source: finished stages from older code are not reused."""
    from .. import __version__

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(__version__.encode(), digest_size=10)
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class StageDir:
    """The work directory of one analysis run, seen through Hadoop's FileSystem."""

    def __init__(self, spark, root: str):
        self.spark = spark
        self.root = root
        jvm = spark.sparkContext._jvm
        self._Path = jvm.org.apache.hadoop.fs.Path
        conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = self._Path(root).getFileSystem(conf)
        self.reused: list[str] = []

    def path(self, name: str, fp: str) -> str:
        return f"{self.root}/{name}-{fp}"

    def done(self, name: str, fp: str) -> bool:
        return bool(self._fs.exists(self._Path(self.path(name, fp) + "/_SUCCESS")))

    def stage(self, name: str, fp: str, build: Callable[[], object], *, rebuild: bool = False):
        """DataFrame of stage `name`: read back when finished before (unless `rebuild`), else
        built and written."""
        target = self.path(name, fp)
        if not rebuild and self.done(name, fp):
            self.reused.append(name)
        else:
            build().write.mode("overwrite").parquet(target)
            self.drop_stale(name, fp)
        return self.spark.read.parquet(target)

    def drop_stale(self, name: str, fp: str) -> None:
        """Remove older fingerprints of the same stage so the work dir does not grow forever
        (a stage written in parts, `fp/part`, calls this itself once every part is done)."""
        root = self._Path(self.root)
        if not self._fs.exists(root):
            return
        keep = f"{name}-{fp}"
        for status in self._fs.listStatus(root):
            entry = status.getPath().getName()
            if entry.startswith(name + "-") and entry != keep and len(entry) == len(keep):
                self._fs.delete(status.getPath(), True)

    def clear(self) -> None:
        """Forget every finished stage (used by `force`)."""
        root = self._Path(self.root)
        if self._fs.exists(root):
            self._fs.delete(root, True)


def remove_local(root: str) -> None:
    """Delete a local work directory (tests and benchmarks clean up with it)."""
    if "://" not in root:
        shutil.rmtree(root, ignore_errors=True)
