"""`storytrace report`, `export` and `serve` through the real command line."""
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "present"))
from sample_store import build_sample_store  # noqa: E402

from storytrace.cli import app  # noqa: E402

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "s.db"
    build_sample_store(path).close()
    return path


def test_report_command_writes_one_file(db, tmp_path):
    out = tmp_path / "r" / "report.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert out.exists() and 'id="event-E1"' in out.read_text(encoding="utf-8")


def test_export_command_each_format(db, tmp_path):
    for fmt in ("jsonl", "parquet", "csv"):
        result = runner.invoke(app, ["export", "--format", fmt, "--out", str(tmp_path / fmt), "--store", str(db)])
        assert result.exit_code == 0, result.output
    assert len((tmp_path / "jsonl" / "reuse.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    assert pq.read_table(tmp_path / "parquet" / "events.parquet").num_rows == 2
    assert (tmp_path / "csv" / "passages.csv").exists()
    bad = runner.invoke(app, ["export", "--format", "xlsx", "--out", str(tmp_path / "x"), "--store", str(db)])
    assert bad.exit_code == 2


def test_commands_refuse_a_missing_store(tmp_path):
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html"), "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and not (tmp_path / "r.html").exists()


def test_serve_binds_localhost_and_answers(db, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from storytrace.cli import main; main()", "serve", "--store", str(db),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, events = time.time() + 30, None
        while time.time() < deadline and events is None and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events", timeout=2) as r:
                    events = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert events is not None, proc.stdout.read1().decode() if proc.poll() is not None else "no answer"
        assert {e["id"] for e in events} == {"E1", "E2"}
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0 and listening.stdout.strip():
            local_address = listening.stdout.split()[3]
            assert local_address == f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
