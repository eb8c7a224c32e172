"""The tagger's Viterbi (`entities.viterbi`) returns jieba's own (probability, route) for
every run of characters: runs of real leads (the test stories, and the week corpus where
present) and random runs, with characters jieba's tables lack."""
from __future__ import annotations

import random
import re
from pathlib import Path

from storytrace.events import entities
from storytrace.textfold import fold

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "zh-2021-02"


def _runs(texts: list[str]) -> list[str]:
    return [m.group(0) for t in texts for m in re.finditer(r"[\u3400-\u9fff]{1,32}", fold(t))]


def test_viterbi_equals_jiebas(stories):
    entities._jieba()
    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
    from jieba.posseg.viterbi import viterbi as jiebas

    articles, _, _ = stories
    runs = _runs([f"{a.title}\n{a.text[:300]}" for a in articles])
    if SHARED.is_dir():
        files = sorted(p for p in SHARED.iterdir() if p.is_file() and p.name[:4].isdigit())[::40]
        runs += _runs([p.read_text(encoding="utf-8", errors="replace")[:600] for p in files])
    rng = random.Random(13)
    chars = sorted({c for r in runs for c in r}) + ["\u3400", "\u4dbf", "\u9fa5", "\u9fff"]   # the last: no states
    runs += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 32))) for _ in range(300)]
    runs += ["\u9fff", "\u9fff\u9fff\u4e00", "一" * 32]
    assert len(runs) > 500
    for run in runs:
        assert entities.viterbi(run, char_state_tab_P, start_P, trans_P, emit_P) == \
            jiebas(run, char_state_tab_P, start_P, trans_P, emit_P), run


def test_jieba_loads_without_pkg_resources_and_reads_its_own_files():
    """In a fresh interpreter `_jieba()` imports jieba with `pkg_resources` unimportable
    (`_without_pkg_resources`): jieba opens its word list by path, the same bytes, and
    `pkg_resources` is importable again afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from storytrace.events import entities\n"
        "jieba = entities._jieba()\n"
        "assert 'pkg_resources' not in sys.modules, 'pkg_resources was imported'\n"
        "with jieba.dt.get_dict_file() as fh:\n"
        "    data = fh.read()\n"
        "assert data == (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).read_bytes()\n"
        "import pkg_resources\n"
        "print('ok', len(data))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")
