"""Cross-language matching of one event's headlines (self-written), and the pieces it rests
on: CLDR place keys, foreign names by sound, CSLS margins, the learned model and its trainer."""
from __future__ import annotations

import json

import numpy as np
import pytest

from storytrace.events import EventSettings, cluster_events
from storytrace.events.gazetteer import places
from storytrace.events.transliteration import chinese_skeleton, latin_skeleton, sound_keys
from storytrace.model import Article


def test_places_meet_across_languages_and_scripts():
    zh_hans = places("俄罗斯无人机袭击乌克兰，菲律宾台风")
    zh_hant = places("俄羅斯無人機襲擊烏克蘭，菲律賓颱風")
    vi = places("Nga tấn công Ukraina bằng UAV, bão đổ bộ Philippines")
    en = places("Russia strikes Ukraine with drones as a typhoon hits the Philippines")
    for found in (zh_hans, zh_hant, vi, en):
        assert {"geo:RU", "geo:UA", "geo:PH"} <= set(found)
    assert "geo:US" in places("Tổng thống Mỹ phát biểu")          # Vietnamese short name
    assert "geo:Asia/Tokyo" in places("東京股市") and "geo:Asia/Tokyo" in places("Tokyo stocks")
    assert places("hôm nay trời đẹp") == {}


@pytest.mark.parametrize("chinese, latin", [("特朗普", "Trump"), ("内塔尼亚胡", "Netanyahu"), ("欧尔班", "Orban"),
                                            ("泽连斯基", "Zelensky"), ("赫格塞思", "Hegseth"), ("赫格塞斯", "Hegseth"),
                                            ("佩洛西", "Pelosi"), ("马杜罗", "Maduro")])
def test_foreign_names_meet_by_sound(chinese, latin):
    assert set(sound_keys(chinese_skeleton(chinese))) & set(sound_keys(latin_skeleton(latin)))


def test_unrelated_names_do_not_meet_by_sound():
    assert not set(sound_keys(chinese_skeleton("内塔尼亚胡"))) & set(sound_keys(latin_skeleton("Zelensky")))
    assert sound_keys("TL") == []   # two classes say too little


def _article(aid, language, title, text, published):
    return Article(id=aid, source_path=aid, title=title, text=text, language=language,
                   script={"zh": "Hans", "vi": "Latn", "en": "Latn"}[language], outlet="Test", published=published,
                   published_precision="datetime")


# One event told as four feed items (headline + one sentence) in zh-Hans, zh-Hant, vi and en,
# and same-topic, different-event distractors: another quake in the same country a week
# later, and another meeting of the same two leaders a week later.
FEED = [
    ("q1-hans", "zh", "智利北部发生7.1级强烈地震 沿海发布海啸警报", "智利北部安托法加斯塔附近海域3日发生7.1级地震，当局对沿海地区发布海啸警报。", "2031-05-03T09:00:00+08:00", "Q1"),
    ("q1-hant", "zh", "智利北部7.1級強震 沿岸發布海嘯警報", "智利北部安托法加斯塔外海3日發生規模7.1地震，當局向沿岸地區發布海嘯警報。", "2031-05-03T10:30:00+08:00", "Q1"),
    ("q1-vi", "vi", "Động đất 7,1 độ ở bắc Chile, cảnh báo sóng thần", "Trận động đất mạnh 7,1 độ rung chuyển vùng biển gần Antofagasta, miền bắc Chile, hôm 3/5.", "2031-05-03T08:15:00+07:00", "Q1"),
    ("q1-en", "en", "Magnitude 7.1 quake strikes northern Chile, tsunami warning issued", "A magnitude 7.1 earthquake struck off Antofagasta in northern Chile on May 3, prompting a tsunami warning.", "2031-05-03T01:20:00+00:00", "Q1"),
    ("q2-hans", "zh", "智利南部发生5.2级地震 暂无伤亡报告", "智利南部蒙特港附近10日发生5.2级地震，暂无人员伤亡报告。", "2031-05-10T09:00:00+08:00", "Q2"),
    ("q2-vi", "vi", "Động đất 5,2 độ ở nam Chile", "Một trận động đất 5,2 độ xảy ra gần Puerto Montt, miền nam Chile, hôm 10/5, chưa có thương vong.", "2031-05-10T09:40:00+07:00", "Q2"),
    ("m1-hans", "zh", "法国总统马克龙与德国总理会晤 讨论能源合作", "法国总统马克龙4日在巴黎会见德国总理，双方讨论欧洲能源合作。", "2031-05-04T20:00:00+08:00", "M1"),
    ("m1-vi", "vi", "Tổng thống Pháp Macron gặp Thủ tướng Đức bàn hợp tác năng lượng", "Tổng thống Pháp Emmanuel Macron ngày 4/5 tiếp Thủ tướng Đức tại Paris, thảo luận hợp tác năng lượng châu Âu.", "2031-05-04T21:00:00+07:00", "M1"),
    ("m2-hans", "zh", "马克龙与德国总理再次会晤 签署国防采购协议", "法国总统马克龙12日在柏林与德国总理再次会晤，双方签署联合国防采购协议。", "2031-05-12T20:00:00+08:00", "M2"),
    ("m2-en", "en", "Macron and German chancellor sign joint defence procurement deal in Berlin", "French President Emmanuel Macron and the German chancellor signed a joint defence procurement agreement in Berlin on May 12.", "2031-05-12T14:00:00+00:00", "M2"),
]


def test_feed_headlines_of_one_event_join_across_four_scripts_and_distractors_stay_apart(encoder):
    articles = [_article(aid, lang, title, text, when) for aid, lang, title, text, when, _ in FEED]
    gold = {row[0]: row[5] for row in FEED}
    events = cluster_events(articles, [], encoder=encoder)
    partition = sorted(sorted(e.articles) for e in events)
    by_event = {}
    for aid, label in gold.items():
        by_event.setdefault(label, []).append(aid)
    assert partition == sorted(sorted(v) for v in by_event.values())


def test_margin_lifts_the_right_match_above_the_rest(encoder):
    from storytrace.events.signals import build_signals
    from storytrace.events.similarity import article_features, evidence

    articles = [_article(aid, lang, title, text, when) for aid, lang, title, text, when, _ in FEED]
    signals = [build_signals(a) for a in articles]
    f = article_features(signals, encoder.encode([s.lead for s in signals]), [])
    ids = [a.id for a in articles]
    vi = ids.index("q1-vi")
    others = [k for k, a in enumerate(articles) if a.language == "zh"]
    ev = evidence(f, np.full(len(others), vi), np.array(others), EventSettings())
    right = np.array([ids[k].startswith("q1-") for k in others])
    assert ev.margin[right].min() > ev.margin[~right].max()
    assert ev.margin[right].min() > 0


def test_trainer_writes_a_model_the_clusterer_reads(tmp_path, encoder):
    from storytrace.events.scoring import CROSS_FEATURES, cross_logit
    from storytrace.events.training import fit, labelled_pairs

    articles = [_article(aid, lang, title, text, when) for aid, lang, title, text, when, _ in FEED]
    gold = {row[0]: row[5] for row in FEED}
    day = labelled_pairs(articles, gold, encoder=encoder)
    weights = fit([day])
    assert set(weights["cross"]["weights"]) == set(CROSS_FEATURES)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights), encoding="utf-8")
    logit = cross_logit(day.evidence, str(path))
    cross = np.asarray(day.evidence.cross, dtype=bool)
    # Trained on these pairs, the model ranks same-event pairs above the others.
    assert logit[cross & day.same].min() > np.median(logit[cross & ~day.same])
    events = cluster_events(articles, [], encoder=encoder, settings=EventSettings(model=str(path)))
    assert sum(len(e.articles) for e in events) == len(articles)


def test_a_weights_file_missing_a_feature_is_refused(tmp_path, encoder):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"cross": {"weights": {"margin": 1.0}, "intercept": 0.0},
                                "calibration": {"slope": 1.0, "intercept": 0.0}}), encoding="utf-8")
    articles = [_article(aid, lang, title, text, when) for aid, lang, title, text, when, _ in FEED[:3]]
    with pytest.raises(ValueError, match="missing"):
        cluster_events(articles, [], encoder=encoder, settings=EventSettings(model=str(path)))
