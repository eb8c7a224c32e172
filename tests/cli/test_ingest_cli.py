import json

from typer.testing import CliRunner

from storytrace.cli import app

runner = CliRunner()


def _inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("甲市新闻标题\n\n据新华社报道，甲市今天开通新的地铁线路。", encoding="utf-8")
    (folder / "b.md").write_text("---\ntitle: B story\ndate: 2020-01-02\n---\nThe city opened a new line today.",
                                 encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


def test_ingest_articles_show(tmp_path):
    folder, db = _inputs(tmp_path), tmp_path / "st.db"
    result = runner.invoke(app, ["ingest", str(folder), "--store", str(db), "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "skipped as duplicate" in result.output and "empty.txt: empty file" in result.output

    listed = runner.invoke(app, ["articles", "--json", "--store", str(db)])
    assert listed.exit_code == 0
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert {r["title"] for r in records} == {"甲市新闻标题", "B story"}
    zh = next(r for r in records if r["language"] == "zh")
    assert zh["cited_sources"] == ["Xinhua"] and zh["script"] == "Hans"

    table = runner.invoke(app, ["articles", "--store", str(db)])
    assert table.exit_code == 0 and "2 articles" in table.output

    shown = runner.invoke(app, ["show", zh["id"][:6], "--store", str(db)])
    assert shown.exit_code == 0 and "甲市今天开通新的地铁线路" in shown.output
    other = next(r for r in records if r["language"] == "en")
    shown = runner.invoke(app, ["show", other["id"], "--store", str(db)])
    assert "front matter date" in shown.output and "2020-01-02 (date)" in shown.output
    assert runner.invoke(app, ["show", "zzzz", "--store", str(db)]).exit_code == 2

    again = runner.invoke(app, ["ingest", str(folder / "a.txt"), "--store", str(db), "--no-progress"])
    assert again.exit_code == 0 and "│    1 │      0 │                    1 │      0 │" in again.output


def test_articles_without_store_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["articles", "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 2
