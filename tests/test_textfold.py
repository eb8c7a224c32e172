"""textfold must fold script/width/punctuation while keeping offsets exact."""
from hypothesis import given, strategies as st

from storytrace.textfold import fold, search_key, to_simplified


def test_traditional_folds_to_simplified():
    assert fold("習近平會見") == fold("习近平会见") == "习近平会见"


def test_width_case_and_punctuation_fold():
    assert fold("ＡＢＣ，“好”") == fold('abc,"好"')


def test_search_key_matches_either_script():
    assert search_key("習近平") in fold("新闻：习近平今日出访")


@given(st.text(max_size=200))
def test_fold_preserves_length(text):
    assert len(fold(text)) == len(text)
    assert len(to_simplified(text)) == len(text)


@given(st.text(max_size=200))
def test_fold_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once
