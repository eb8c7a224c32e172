import os
import subprocess
import sys

import numpy as np
from reuse_samples import make_text

from storytrace.reuse.fingerprint import fingerprint, shingle_hashes, tokenize
from storytrace.textfold import fold, to_simplified


def test_tokens_point_at_their_characters():
    text = "美國總統Joe Biden說，today's plan：２０２１年。"
    tokens, raw, starts, ends = tokenize(text, fold(text))
    pieces = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
    assert pieces[:4] == ["美", "國", "總", "統"]
    assert "Joe" in pieces and "Biden" in pieces and "２０２１" in pieces
    assert "，" not in "".join(pieces) and " " not in "".join(pieces)   # punctuation, spaces are not tokens
    assert (np.diff(starts) > 0).all()


def test_folded_forms_share_hashes_across_script_width_and_punctuation():
    simplified = "国会议员说，经济发展问题ABC２０２１。"
    variant = "國會議員說,經濟發展問題ＡＢＣ2021."
    a = fingerprint(0, simplified)
    b = fingerprint(1, variant)
    assert a.tokens.tolist() == b.tokens.tolist()
    assert a.raw.tolist() != b.raw.tolist()
    assert set(a.hashes.tolist()) == set(b.hashes.tolist())


def test_shingles_count_and_distinctness():
    tokens = np.arange(10, dtype=np.uint64)
    h = shingle_hashes(tokens, 5, seed=1)
    assert len(h) == 6 and len(set(h.tolist())) == 6
    assert len(shingle_hashes(tokens[:3], 5, seed=1)) == 0
    assert shingle_hashes(tokens, 5, seed=2).tolist() != h.tolist()


def test_hashes_do_not_depend_on_the_process():
    text = make_text(7)
    code = ("import sys; from storytrace.reuse.fingerprint import fingerprint; "
            "print(fingerprint(0, sys.argv[1]).hashes[:5].tolist())")
    outputs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code, text], capture_output=True, text=True, env=env, check=True)
        outputs.add(out.stdout.strip())
    assert outputs == {str(fingerprint(0, text).hashes[:5].tolist())}


def test_simplified_and_traditional_fold_to_the_same_length():
    text = make_text(3)
    assert len(to_simplified(text)) == len(text)
