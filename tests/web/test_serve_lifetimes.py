"""The web app on a real server (uvicorn on 127.0.0.1) while things go wrong (issue 17).

- A chunked upload (no Content-Length) over the request cap gets 413 before the server has
  read much past the cap; nothing of it is stored and the server keeps answering.
- The analysis runs in a process of its own: SIGKILL it midway and the server answers page
  views throughout, shows the failure with its cause, refuses a second start while one runs,
  and runs it again on request.
- SIGKILL the server during an analysis: within 5 s no process of that run remains.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from procs import cmdline, descendants, group_members, wait_until  # noqa: E402
from synth_corpus import write_reuse_corpus  # noqa: E402

SERVER = """
import sys, uvicorn
from storytrace.web.app import create_app
uvicorn.run(create_app(sys.argv[1], upload_dir=sys.argv[2]), host="127.0.0.1", port=int(sys.argv[3]),
            log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(store: Path, uploads: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(store), str(uploads), str(port)],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            return httpx.get(base + "/static/report.css", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
    assert wait_until(up, timeout=90, interval=0.2), "server did not start"
    return proc, base


def _stop_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _store(root: Path, n: int) -> Path:
    from storytrace.ingest import ingest
    from storytrace.store import Store

    corpus = write_reuse_corpus(root / "corpus", n, seed=11)
    with Store(root / "store.db") as store:
        ingest([str(corpus.root)], store, workers=1)
        assert store.count_articles() == n
    (root / "uploads").mkdir()
    return root / "store.db"


@pytest.fixture
def analysed_store(tmp_path) -> Path:
    """A store never analysed, big enough that its analysis takes seconds (to kill it midway)."""
    return _store(tmp_path / "data", 600)


def _job_process(server_pid: int) -> int | None:
    for pid in descendants(server_pid):
        if "storytrace.web.jobs" in cmdline(pid):
            return pid
    return None


def _chunked_upload(port: int, total: int, chunk: int = 1 << 20) -> tuple[int, bytes]:
    """POST a multipart file of `total` bytes with Transfer-Encoding: chunked, stopping as soon
    as the server answers. Returns (bytes of body sent, the response's first bytes)."""
    boundary = "storytraceboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode()
    request = (f"POST /add/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Transfer-Encoding: chunked\r\n\r\n").encode()
    line = ("新闻正文一行，反复出现。" * 40 + "\n").encode()
    block = (line * (chunk // len(line) + 1))[:chunk]
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        pieces = [head] + [block] * (total // chunk + 1)
        try:
            for piece in pieces:
                if select.select([sock], [], [], 0)[0]:
                    break                        # the server answered: stop sending
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            sock.settimeout(30)
            while len(answer) < 200:
                got = sock.recv(4096)
                if not got:
                    break
                answer += got
        except (ConnectionResetError, socket.timeout):
            pass
    return sent, answer


def test_a_chunked_upload_over_the_cap_is_refused_and_nothing_is_kept(tmp_path):
    from storytrace.store import Store
    from storytrace.web.app import MAX_REQUEST_BYTES

    store = _store(tmp_path, 5)
    proc, base = _start_server(store, tmp_path / "uploads", tmp_path / "server.log")
    try:
        port = int(base.rsplit(":", 1)[1])
        sent, answer = _chunked_upload(port, MAX_REQUEST_BYTES + (64 << 20))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # Refused at the cap: what went out past it is what the socket buffers held.
        assert sent <= MAX_REQUEST_BYTES + (32 << 20), sent
        assert list((tmp_path / "uploads").iterdir()) == []
        with Store(store) as st:
            assert st.count_articles() == 5
        assert httpx.get(base + "/api/analysis").json()["state"] == "idle"      # no job started
        assert httpx.get(base + "/").status_code == 200                        # still answering
        # A small chunked upload still goes through.
        small = httpx.post(base + "/add/upload", files={"files": ("note.txt", b"Short note.\n\nSecond line.")},
                           headers={"Transfer-Encoding": "chunked"}, follow_redirects=False)
        assert small.status_code == 303 and "added=1" in small.headers["location"]
    finally:
        _stop_group(proc)


def test_an_analysis_killed_midway_is_reported_pages_keep_answering_and_it_can_be_retried(analysed_store, tmp_path):
    proc, base = _start_server(analysed_store, analysed_store.parent / "uploads", tmp_path / "server.log")
    latencies: list[float] = []
    failures: list[str] = []
    stop = threading.Event()

    def browse():
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/").status_code
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    failures.append(f"status {status}")
                time.sleep(0.05)

    reader = threading.Thread(target=browse, daemon=True)
    try:
        r = httpx.post(base + "/api/analysis")
        assert r.status_code == 202, r.text
        job_pid = wait_until(lambda: _job_process(proc.pid), timeout=30)
        assert job_pid, "no analysis process was started"
        assert job_pid != proc.pid
        again = httpx.post(base + "/api/analysis")
        assert again.status_code == 409                       # one analysis per store at a time
        reader.start()
        # Kill it once it is really at work (a step has begun), not while it starts.
        assert wait_until(lambda: httpx.get(base + "/api/analysis").json()["step"], timeout=60, interval=0.1)
        time.sleep(0.5)
        os.kill(job_pid, signal.SIGKILL)
        status = wait_until(lambda: (s := httpx.get(base + "/api/analysis").json())["state"] == "failed" and s,
                            timeout=20, interval=0.1)
        assert status, httpx.get(base + "/api/analysis").json()
        assert "killed by SIGKILL" in status["message"]
        assert "killed by SIGKILL" in httpx.get(base + "/add").text        # the app shows it
        time.sleep(0.5)
        stop.set()
        reader.join(30)
        assert not failures, failures[:5]
        assert len(latencies) >= 5
        # The dead job's pool workers went with it.
        assert wait_until(lambda: not [p for p in descendants(proc.pid)], timeout=5), \
            [cmdline(p) for p in descendants(proc.pid)]
        # Retry: the dead job's lease is free at once, and the analysis completes.
        assert httpx.post(base + "/api/analysis").status_code == 202
        done = wait_until(lambda: (s := httpx.get(base + "/api/analysis").json())["state"] != "running" and s,
                          timeout=300, interval=0.5)
        assert done and done["state"] == "done", done
    finally:
        stop.set()
        _stop_group(proc)


def test_killing_the_server_during_an_analysis_leaves_no_process(analysed_store, tmp_path):
    proc, base = _start_server(analysed_store, analysed_store.parent / "uploads", tmp_path / "server.log")
    try:
        assert httpx.post(base + "/api/analysis", data={}).status_code == 202
        assert wait_until(lambda: _job_process(proc.pid), timeout=30)
        # Wait until the job's own pool workers run too, when it has any.
        wait_until(lambda: len(descendants(proc.pid)) >= 2, timeout=20, interval=0.1)
        assert len(group_members(proc.pid)) >= 2
        proc.kill()
        proc.wait()
        gone = wait_until(lambda: not group_members(proc.pid), timeout=5)
        assert gone, [cmdline(p) for p in group_members(proc.pid)]
    finally:
        _stop_group(proc)
