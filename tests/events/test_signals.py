"""Dates, entity keys and the shared lexical space."""
from __future__ import annotations

from datetime import date

from storytrace.events.entities import entity_keys, plain
from storytrace.events.signals import lead_dates, parse_published, resolve_date, sino_vietnamese


def test_same_person_and_place_share_a_key_across_scripts():
    assert entity_keys("习近平", True)[0] == entity_keys("習近平", True)[0] == plain("Tập Cận Bình")
    assert plain("Bắc Kinh") in entity_keys("北京", True)
    assert plain("Li Qiang") in entity_keys("李强", True)
    assert plain("Guangdong") in entity_keys("广东", True)
    assert plain("Phạm Minh Chính") == plain("Pham Minh Chinh")


def test_sino_vietnamese_reads_both_scripts():
    assert sino_vietnamese("會談") == sino_vietnamese("会谈") == ["hội", "đàm"]


def test_lead_dates_in_several_notations():
    assert lead_dates("中新社北京11月25日电 ……", None) == [(None, 11, 25)]
    assert lead_dates("Ngày 25/11/2022, tại Hà Nội", None) == [(2022, 11, 25)]
    assert lead_dates("met on Nov. 25 in Beijing", None) == [(None, 11, 25)]
    assert lead_dates("talks on 25 November", None) == [(None, 11, 25)]
    assert lead_dates("（记者台北5日电）今天", (2, 5)) == [(None, 2, 5)]
    assert lead_dates("no date here", (2, 5)) == []


def test_published_parsing_and_year_resolution():
    assert parse_published("2022-11-25T09:53:00Z") == (date(2022, 11, 25), (11, 25))
    assert parse_published("--11-25") == (None, (11, 25))
    assert parse_published("not a date") == (None, None)
    assert resolve_date((None, 12, 30), date(2023, 1, 2)) == date(2022, 12, 30)
