"""The app's analysis and another analysis of the same store (a CLI run) exclude each other
through the store's lease: an upload made meanwhile is read, waits, and is analysed after."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

HOLD = """
import sys, time
from storytrace.store import Store, acquire_lease
lease = acquire_lease(Store(sys.argv[1]), purpose="local analysis")
print("held", flush=True)
sys.stdin.read()          # hold until the test closes our stdin
lease.release()
"""


@pytest.mark.slow
def test_an_upload_during_another_analysis_waits_for_it_and_is_not_lost(client, sample_db):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(sample_db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = client.post("/add/text", data={"title": "Ferry timetable changes", "outlet": "Test Wire",
                                           "published": "2026-03-07",
                                           "text": "The ferry company changed its winter timetable on Saturday.\n\n"
                                                   "Morning crossings now leave half an hour earlier."},
                        follow_redirects=False)
        assert r.status_code == 303 and "added=1" in r.headers["location"]
        deadline = time.monotonic() + 120
        status = {}
        while time.monotonic() < deadline:
            status = client.get("/api/analysis").json()
            if "Waiting" in status["message"] or status["state"] != "running":
                break
            time.sleep(0.2)
        assert status["state"] == "running" and "local analysis by pid" in status["message"], status
        # A second request to this app meanwhile is told that an analysis runs.
        assert client.post("/api/analysis").status_code == 409
        # The article is already stored; its analysis waits for the other one.
        assert "Ferry timetable changes" in [a["title"] for a in client.get("/api/articles").json()]
    finally:
        holder.stdin.close()
        holder.wait(30)
    client.app.state.job.wait(300)
    status = client.get("/api/analysis").json()
    assert status["state"] == "done", status
    art = next(a for a in client.get("/api/articles").json() if a["title"] == "Ferry timetable changes")
    assert art.get("event"), art
