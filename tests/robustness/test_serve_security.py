"""The web app as an attacker on this machine sees it: a real server on 127.0.0.1.

- `storytrace serve` listens on loopback only unless told otherwise (checked in /proc);
- an oversized upload is refused with 413 and nothing of it is kept;
- traversal URLs (raw, encoded, backslashed) reach no file outside the app's fixed assets;
- foreign Host headers (DNS rebinding) and cross-site POSTs are refused.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from procs import CLI  # noqa: E402
from synth_corpus import write_reuse_corpus  # noqa: E402

SERVER = """
import sys, uvicorn
from storytrace.web.app import create_app
uvicorn.run(create_app(sys.argv[1], upload_dir=sys.argv[2]), host="127.0.0.1", port=int(sys.argv[3]),
            log_level="warning")
"""
SECRET = "storytrace-secret-marker-7d1f"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode}: {out[-2000:]}")
        try:
            httpx.get(base + "/static/report.css", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("server did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from storytrace.ingest import ingest
    from storytrace.store import Store

    root = tmp_path_factory.mktemp("serve")
    corpus = write_reuse_corpus(root / "corpus", 12, seed=4)
    with Store(root / "data" / "store.db") as store:
        ingest([str(corpus.root)], store, workers=1)
    (root / "data" / "secret.txt").write_text(SECRET)      # beside the store: must stay unreachable
    (root / "data" / "uploads").mkdir()
    return root / "data"


@pytest.fixture(scope="module")
def server(data_dir: Path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data_dir / "store.db"), str(data_dir / "uploads"),
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_http(base, proc)
    yield base, port
    _stop(proc)


def _listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket the process (or its children) owns."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])
    inodes = set()
    for p in pids:
        for fd in Path(f"/proc/{p}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state == "0A" and inode in inodes:
                hexaddr, hexport = local.split(":")
                raw = bytes.fromhex(hexaddr)
                if width == 8:
                    addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
                else:
                    addr = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
                found.append((addr, int(hexport, 16)))
    return found


def test_serve_listens_on_loopback_only_by_default(data_dir: Path, tmp_path: Path):
    help_text = subprocess.run(CLI + ["serve", "--help"], capture_output=True, text=True).stdout
    if "Usage" not in help_text:
        pytest.skip("`storytrace serve` not available yet")
    port = _free_port()
    args = CLI + ["serve", "--store", str(data_dir / "store.db"), "--port", str(port)]
    if "--no-open" in help_text:
        args.append("--no-open")
    if "--no-browser" in help_text:
        args.append("--no-browser")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        _wait_http(f"http://127.0.0.1:{port}", proc)
        sockets = _listening(proc.pid)
        assert sockets, "found no listening socket of the server process"
        assert all(addr in ("127.0.0.1", "::1") for addr, _ in sockets), sockets
        assert (("127.0.0.1", port) in sockets) or (("::1", port) in sockets)
    finally:
        _stop(proc)


def test_oversized_upload_is_refused_with_413_and_not_kept(server, data_dir: Path):
    from storytrace.web.uploads import MAX_UPLOAD_BYTES

    base, _ = server
    before = set((data_dir / "uploads").iterdir())
    body = b"a" * (MAX_UPLOAD_BYTES + 1024 * 1024)
    r = httpx.post(base + "/add/upload", files={"files": ("big.txt", body, "text/plain")},
                   follow_redirects=False, timeout=120)
    assert r.status_code == 413, (r.status_code, r.headers.get("location"))
    assert set((data_dir / "uploads").iterdir()) == before


def test_huge_declared_body_is_refused_before_it_is_read(server, data_dir: Path):
    """1 GB announced, 64 KB sent: the answer (413) must come without waiting for the rest."""
    _, port = server
    before = set((data_dir / "uploads").iterdir())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /add/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                     b"Content-Length: 1073741824\r\n\r\n--xyz\r\n" + b"a" * 65536)
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert set((data_dir / "uploads").iterdir()) == before


def test_upload_with_a_path_in_its_name_stays_in_the_upload_folder(server, data_dir: Path):
    base, _ = server
    text = ("Harbour plan approved\n\n" + "The council approved the harbour plan on Monday. " * 8).encode()
    r = httpx.post(base + "/add/upload", files={"files": ("../../escaped-upload.txt", text, "text/plain")},
                   follow_redirects=False, timeout=60)
    assert r.status_code in (303, 400, 413, 422)
    assert not (data_dir.parent / "escaped-upload.txt").exists()
    assert not (data_dir / "escaped-upload.txt").exists()
    assert all(p.parent == data_dir / "uploads" for p in (data_dir / "uploads").rglob("*"))
    deadline = time.monotonic() + 60      # let the ingest job it started finish before other tests
    while time.monotonic() < deadline and httpx.get(base + "/api/analysis").json().get("state") == "running":
        time.sleep(0.3)


def test_uploaded_zip_bomb_is_reported_and_the_good_file_beside_it_stored(server, tmp_path: Path):
    """Hostile files arriving through the app: the job reports them, the server keeps serving."""
    import io
    import zipfile

    from hostile import zip_bomb

    base, _ = server
    bomb = tmp_path / "upload-bomb.zip"
    zip_bomb(bomb, "inflate-me.html", 256 * 1024 * 1024)
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("fine.txt", "Kestrel Bay ferry resumes\n\n" + "The Kestrel Bay ferry resumed on Monday. " * 10)
    r = httpx.post(base + "/add/upload", follow_redirects=False, timeout=60, files=[
        ("files", ("bomb.zip", bomb.read_bytes(), "application/zip")),
        ("files", ("good.zip", good.getvalue(), "application/zip")),
        ("files", ("zero.html", b"", "text/html"))])
    assert r.status_code == 303 and "error=" in r.headers["location"]      # the empty file is refused up front
    r = httpx.post(base + "/add/upload", follow_redirects=False, timeout=60, files=[
        ("files", ("bomb.zip", bomb.read_bytes(), "application/zip")),
        ("files", ("good.zip", good.getvalue(), "application/zip"))])
    assert r.status_code == 303 and "added=2" in r.headers["location"], r.headers.get("location")
    deadline = time.monotonic() + 120
    while (state := httpx.get(base + "/api/analysis").json())["state"] == "running":
        assert time.monotonic() < deadline, "job did not finish"
        assert httpx.get(base + "/api/events", timeout=30).status_code == 200   # still serving
        time.sleep(0.3)
    assert state["state"] == "done", state
    assert any("inflate-me.html" in e["path"] and e["reason"] for e in state["errors"]), state["errors"]
    hits = httpx.get(base + "/api/articles", params={"q": "Kestrel Bay"}).json()
    assert hits, "the good file uploaded beside the bomb was not stored"


TRAVERSALS = [
    "/static/../../../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/static/..%5c..%5csecret.txt",
    "/static/report.css/../../secret.txt",
    "/../secret.txt",
    "/secret.txt",
    "/store.db",
    "/uploads/",
    "/events/..%2f..%2f..%2fetc%2fpasswd",
    "/api/articles/..%2f..%2fsecret.txt",
    "//etc/passwd",
    "/static//etc/passwd",
    "/static/%00report.css",
]


def _raw_get(port: int, target: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """Send the request line exactly as written (clients would normalise `..` away)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_urls_reach_no_file(server, target: str):
    _, port = server
    status, data = _raw_get(port, target)
    assert status in (400, 404, 405, 422), (status, data[:300])
    assert SECRET.encode() not in data
    assert b"root:x:0:0" not in data and b"SQLite format 3" not in data


def test_foreign_host_header_is_refused(server):
    _, port = server
    status, _ = _raw_get(port, "/", host="attacker.example")
    assert status == 400


def test_cross_site_post_is_refused(server):
    base, _ = server
    r = httpx.post(base + "/analyze", headers={"Origin": "http://attacker.example"}, follow_redirects=False)
    assert r.status_code == 403
