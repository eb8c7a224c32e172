"""Property tests: cleaning is idempotent and only ever drops whole, reported paragraphs."""
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from storytrace.normalize import clean_body

_ALPHABET = "甲乙丙丁市长说今天合作協議發表。，、：“”（）abcXYZ019 .,-\u3000\xa0\t\n\r•©"
_LINES = st.sampled_from(["4,466 lượt xem", "• Từ khóa", "相关报道", "Author", "© 2020 Example", "https://x.org/a",
                          "市长说今天双方将加强合作并推动各项工作不断取得新的进展与突破而且还要加强协调配",
                          "合，推动发展。", "Title", ""])
_TEXT = st.lists(st.one_of(st.text(alphabet=_ALPHABET, max_size=80), _LINES), max_size=14).map("\n".join)


def _visible(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace() and ch not in "\ufeff\u200b")


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from(["", "Title"]))
def test_cleaning_is_idempotent(text, title):
    once, _ = clean_body(text, title)
    twice, dropped_again = clean_body(once, title)
    assert twice == once and dropped_again == []


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from(["", "Title"]))
def test_every_visible_character_is_kept_or_reported_dropped(text, title):
    clean, dropped = clean_body(text, title)
    assert _visible(clean) + _visible("".join(dropped)) == _visible(text)
