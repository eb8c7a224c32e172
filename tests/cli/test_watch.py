"""`storytrace watch` as a desk runs it: a real process on a real folder and store.

It picks up files dropped in, skips files it has taken (also across restarts), stops on
SIGTERM, and after SIGKILL in the middle of a batch takes that batch again on restart.
The posts are written here (two stories of an invented city, one reprinted).
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

STORIES = [
    ("丙市新建跨江大桥今天合龙", "丙市跨江大桥主体工程今天上午顺利合龙，市交通局表示大桥预计年底通车，"
     "通车后两岸通行时间将由四十分钟缩短到十分钟。"),
    ("丙市跨江大桥合龙 年底通车", "丙市跨江大桥主体工程今天上午顺利合龙，市交通局表示大桥预计年底通车，"
     "通车后两岸通行时间将由四十分钟缩短到十分钟。施工方介绍，桥面铺装将在下月开始。"),
    ("丙市图书馆新馆开放预约", "丙市图书馆新馆下周一起开放网上预约，每天限额三千人，读者可凭身份证入馆，"
     "新馆藏书超过一百二十万册，设有儿童阅览区和古籍修复展示区。"),
    ("丙市地铁五号线开始试运行", "丙市地铁五号线今天开始空载试运行，全线设站二十四座，运营方表示试运行"
     "期间将检验信号系统和车辆性能，正式开通时间将另行公布。"),
    ("丙市老城区改造启动第二期", "丙市老城区改造第二期工程今天启动，涉及居民一千二百户，市住建局表示"
     "改造将保留传统街巷格局，并新增公共绿地和停车位。"),
    ("丙市污水处理厂扩建完工", "丙市东郊污水处理厂扩建工程完工，日处理能力由十万吨提高到二十万吨，"
     "市水务局表示出水水质将达到一级标准。"),
]


def _post(folder: Path, i: int) -> Path:
    title, body = STORIES[i]
    path = folder / f"post-{i}.md"
    tmp = folder / f".post-{i}.tmp"         # written aside, then moved in whole
    tmp.write_text(f"---\ntitle: {title}\ndate: 2024-05-0{1 + i % 3} 09:00:00 +08:00\n---\n{body}\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def _start(folder: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from storytrace.cli import main; main()", "watch",
                             str(folder), "--store", str(db), "--no-progress", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:       # tables not created yet
        return 0


def _until(check, timeout: float = 240.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"watch exited early ({proc.returncode}):\n{proc.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("timed out")


SEEN = "SELECT count(*) FROM seen_files"
ARTICLES = "SELECT count(*) FROM articles"
PLACED = "SELECT count(*) FROM event_members"


@pytest.fixture
def cleanup():
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_picks_up_dropped_files_and_skips_seen_ones(tmp_path, cleanup):
    folder, db = tmp_path / "inbox", tmp_path / "desk.db"
    folder.mkdir()
    for i in range(3):
        _post(folder, i)
    proc = _start(folder, db, "--interval", "0.3", "--settle", "0", "--out", str(tmp_path / "out"), "--no-report")
    cleanup.append(proc)
    _until(lambda: _count(db, SEEN) == 3, proc=proc)
    assert _count(db, ARTICLES) == 3 and _count(db, PLACED) == 3     # analysed before marked seen
    assert (tmp_path / "out" / "events.jsonl").exists()
    for i in (3, 4):
        _post(folder, i)
    _until(lambda: _count(db, SEEN) == 5, proc=proc)
    assert _count(db, ARTICLES) == 5 and _count(db, PLACED) == 5
    assert _count(db, "SELECT count(*) FROM reuse WHERE kind != 'translation'") >= 1   # the reprint
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert out.count("batch ") == 2 and "stopped" in out
    # a restart takes nothing already seen
    again = subprocess.run([sys.executable, "-c", "from storytrace.cli import main; main()", "watch",
                            str(folder), "--store", str(db), "--once", "--no-progress"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "batch" not in again.stdout
    assert _count(db, ARTICLES) == 5 and _count(db, SEEN) == 5


def test_resumes_a_batch_cut_by_sigkill(tmp_path, cleanup):
    folder, db = tmp_path / "inbox", tmp_path / "desk.db"
    folder.mkdir()
    for i in range(6):
        _post(folder, i)
    proc = _start(folder, db, "--interval", "0.3", "--settle", "0")
    cleanup.append(proc)
    # kill once the batch is stored but not yet analysed and marked seen
    _until(lambda: _count(db, ARTICLES) == 6, proc=proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _count(db, SEEN) == 0, "the batch was finished before the kill; nothing to resume"
    again = subprocess.run([sys.executable, "-c", "from storytrace.cli import main; main()", "watch",
                            str(folder), "--store", str(db), "--once", "--no-progress"],
                           capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "batch 1" in again.stdout and "0 stored, 6 duplicate" in again.stdout
    assert _count(db, ARTICLES) == 6 and _count(db, SEEN) == 6 and _count(db, PLACED) == 6


def test_a_changed_file_is_read_again(tmp_path):
    folder, db = tmp_path / "inbox", tmp_path / "desk.db"
    folder.mkdir()
    path = _post(folder, 0)
    run = [sys.executable, "-c", "from storytrace.cli import main; main()", "watch", str(folder),
           "--store", str(db), "--once", "--no-progress"]
    assert subprocess.run(run, capture_output=True, text=True, timeout=240).returncode == 0
    path.write_text(path.read_text(encoding="utf-8").replace("今天上午", "昨天下午"), encoding="utf-8")
    second = subprocess.run(run, capture_output=True, text=True, timeout=240)
    assert second.returncode == 0 and "1 changed" in second.stdout, second.stdout + second.stderr
    assert _count(db, ARTICLES) == 2 and _count(db, SEEN) == 1


def test_not_a_folder_is_refused(tmp_path):
    run = subprocess.run([sys.executable, "-c", "from storytrace.cli import main; main()", "watch",
                          str(tmp_path / "missing"), "--store", str(tmp_path / "s.db"), "--once"],
                         capture_output=True, text=True, timeout=60)
    said = " ".join(run.stderr.split())          # Rich wraps long lines
    assert run.returncode == 2 and "missing: not a folder" in said


def test_a_file_still_being_written_waits_for_the_next_look(tmp_path):
    from storytrace.store import Store
    from storytrace.watch import Watcher

    folder = tmp_path / "inbox"
    folder.mkdir()
    path = _post(folder, 0)
    (folder / "post-9.md.part").write_text("half a file", encoding="utf-8")    # never taken
    with Store(tmp_path / "s.db") as store:
        watcher = Watcher(folder, store, settle=3600)
        assert watcher.pending() == ([], [], 1)            # just written: wait one look
        with path.open("a", encoding="utf-8") as fh:       # still growing
            fh.write("补充：大桥将设置观景平台。\n")
        assert watcher.pending() == ([], [], 1)
        assert watcher.pending() == ([str(path)], [], 0)   # unchanged since the last look
        old = time.time() - 7200
        os.utime(path, (old, old))
        assert Watcher(folder, store, settle=3600).pending() == ([str(path)], [], 0)   # old enough at once
