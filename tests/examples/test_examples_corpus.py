"""The bundled examples read cleanly, match their ground truth, and stay reproducible.

`examples/expected.json` is the answer key for the example corpus: every example but the
deliberately broken one must be read and normalized into the metadata listed there, the
broken one must be reported with its reason, and the reuse the key
claims (verbatim wire paragraphs) must really be in the files, so the key cannot drift
from the texts. The generated binary examples must equal what their scripts write.
"""
from __future__ import annotations

import difflib
import importlib
import json
import re
import runpy
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from storytrace.model import InputError, RawDocument
from storytrace.textfold import fold

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ARTICLES = EXAMPLES / "articles"
SEEDS = REPO / ".." / "shared" / "seeds"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
WIRE = "xinhua-wire.txt"
WIRE_DATELINE = re.compile(r"^新华社北京3月14日电（记者李明远）")


def _module_or_skip(name: str, attribute: str):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        pytest.skip(f"{name} is not available yet: {exc}")
    if not hasattr(module, attribute):
        pytest.skip(f"{name}.{attribute} does not exist yet")
    return getattr(module, attribute)


def _relative(source_path: str) -> str:
    """`<ARTICLES>/bundle.zip!x.md` -> `bundle.zip!x.md`, the key used in expected.json."""
    prefix = str(ARTICLES) + "/"
    assert source_path.startswith(prefix), source_path
    return source_path[len(prefix):]


@pytest.fixture(scope="module")
def read_results() -> list[RawDocument | InputError]:
    iter_documents = _module_or_skip("storytrace.read", "iter_documents")
    return list(iter_documents([str(ARTICLES)]))


@pytest.fixture(scope="module")
def raw_documents(read_results) -> dict[str, RawDocument]:
    return {_relative(d.source_path): d for d in read_results if isinstance(d, RawDocument)}


@pytest.fixture(scope="module")
def normalized(raw_documents) -> tuple[dict, dict[str, str]]:
    """(articles by name, failure reason by name) after the normalizer has seen every document."""
    build_article = _module_or_skip("storytrace.normalize", "build_article")
    normalize_error = _module_or_skip("storytrace.normalize", "NormalizeError")
    built, failed = {}, {}
    for name, raw in raw_documents.items():
        try:
            built[name] = build_article(raw)
        except normalize_error as exc:
            failed[name] = str(exc)
    return built, failed


@pytest.fixture(scope="module")
def articles(normalized) -> dict:
    return normalized[0]


# --- the answer key is self-consistent -------------------------------------------------

def test_events_partition_the_examples():
    members = [name for event in EXPECTED["events"] for name in event]
    assert len(members) == len(set(members)), "an example is in two events"
    assert set(members) == set(EXPECTED["metadata"])
    assert not {e["file"] for e in EXPECTED["errors"]} & set(members)
    assert len(EXPECTED["events"]) == len(EXPECTED["event_names"])


def test_reuse_and_formula_pairs_name_known_examples():
    event_of = {name: i for i, event in enumerate(EXPECTED["events"]) for name in event}
    for link in EXPECTED["reuse"]:
        assert link["kind"] in {"reprint", "partial", "translation"}
        assert event_of[link["a"]] == event_of[link["b"]], link
    for pair in EXPECTED["formula"]:
        assert event_of[pair["a"]] != event_of[pair["b"]], pair


def test_examples_folder_stays_small():
    total = sum(p.stat().st_size for p in EXAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert total < 200 * 1024


# --- reading and normalizing -------------------------------------------------------------

def test_only_the_deliberately_broken_example_fails(read_results, raw_documents, normalized):
    """Every example is stored except the broken one, whose reason names the problem."""
    failures = {_relative(e.path): e.reason for e in read_results if isinstance(e, InputError)}
    failures.update(normalized[1])
    expected_failures = {e["file"]: e["reason_contains"] for e in EXPECTED["errors"]}
    assert set(failures) == set(expected_failures), failures
    for name, fragment in expected_failures.items():
        assert fragment in failures[name]
    assert set(normalized[0]) == set(EXPECTED["metadata"])


def test_every_example_normalizes_to_a_body(articles):
    for name, article in articles.items():
        assert article.text.strip(), name
        assert article.title.strip(), name


def _same_time(expected: str, actual: str | None) -> bool:
    """Instants when both carry an offset; wall-clock time when the article states none."""
    if expected.startswith("--"):
        return actual == expected
    if not actual:
        return False
    want = datetime.fromisoformat(expected)
    got = datetime.fromisoformat(actual.replace("Z", "+00:00"))
    if want.tzinfo and got.tzinfo:
        return want == got
    return want.replace(tzinfo=None) == got.replace(tzinfo=None)


@pytest.mark.parametrize("name", sorted(EXPECTED["metadata"]))
def test_metadata_matches_ground_truth(articles, name):
    want = EXPECTED["metadata"][name]
    article = articles.get(name)
    assert article is not None, f"{name} was not read"
    assert article.title == want["title"]
    assert article.language == want["language"]
    assert article.script == want["script"]
    assert article.published_precision == want["published_precision"], article.published_evidence
    assert _same_time(want["published"], article.published), (article.published, article.published_evidence)
    assert sorted(article.cited_sources) == sorted(want["cited_sources"])
    if "outlet" in want:
        assert article.outlet == want["outlet"]
    if "url" in want:
        assert article.url == want["url"]


def test_crawl_clock_and_counters_are_not_body_text(articles):
    vietnamese = articles["tinviet-page-vi.txt"]
    assert "16/03/2024" not in vietnamese.text
    assert "lượt xem" not in vietnamese.text
    assert "Từ khóa" not in vietnamese.text
    assert "版权所有" not in articles["dongfang-reprint.html"].text


def test_word_broken_across_lines_is_rejoined(articles):
    assert "深化互利共赢合作" in articles[WIRE].text


# --- the claimed reuse is really in the files ----------------------------------------------

def _wire_paragraphs(raw_documents) -> dict[str, str]:
    """W1..W5: the wire's body paragraphs (dateline dropped), folded for matching."""
    text = raw_documents[WIRE].content.replace("共\n\n赢", "共赢")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()][1:-1]
    return {f"W{i}": fold(WIRE_DATELINE.sub("", p)) for i, p in enumerate(paragraphs, 1)}


def _share_of_longest_run(passage: str, text: str) -> float:
    match = difflib.SequenceMatcher(None, passage, text, autojunk=False).find_longest_match(
        0, len(passage), 0, len(text))
    return match.size / len(passage)


@pytest.mark.parametrize("link", [r for r in EXPECTED["reuse"] if r["a"] == WIRE and r["kind"] != "translation"],
                         ids=lambda r: r["b"])
def test_claimed_wire_passages_are_copied(raw_documents, link):
    paragraphs = _wire_paragraphs(raw_documents)
    assert len(paragraphs) == 5
    copy = fold(raw_documents[link["b"]].content)
    claimed = {label[:2] for label in link["passages"]}
    for label, paragraph in paragraphs.items():
        share = _share_of_longest_run(paragraph, copy)
        if label in claimed:
            assert share >= 0.5, (label, share)
        else:
            assert share < 0.25, (label, share)


def test_look_alike_shares_only_formula_length_runs(raw_documents):
    look_alike = fold(raw_documents["bundle.zip!chile-talks.txt"].content)
    for label, paragraph in _wire_paragraphs(raw_documents).items():
        run = _share_of_longest_run(paragraph, look_alike) * len(paragraph)
        assert run <= 30, label


# --- generated files are reproducible and original -----------------------------------------

def _load_script(name: str) -> SimpleNamespace:
    """The generator script's globals (runpy: no import side effects, no bytecode written)."""
    return SimpleNamespace(**runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"examples_{name}"))


def test_encoded_examples_match_their_generator(tmp_path):
    for written in _load_script("make_encoded").write_all(tmp_path):
        assert written.read_bytes() == (ARTICLES / written.name).read_bytes(), written.name


def test_warc_example_matches_its_generator():
    make_warc = _load_script("make_warc")
    assert make_warc.build_warc() == make_warc.TARGET.read_bytes()


def test_examples_share_no_text_with_the_seeds(raw_documents):
    """Third-party seed texts must never be copied into the repository."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent")
    ours = {name: fold(raw.content) for name, raw in raw_documents.items()}
    for seed in SEEDS.glob("0*"):
        seed_text = fold(seed.read_text(encoding="utf-8", errors="ignore"))
        grams = {seed_text[i:i + 32] for i in range(0, max(len(seed_text) - 32, 0), 2)}
        for name, text in ours.items():
            assert not any(g in text for g in grams if g.strip()), (seed.name, name)
