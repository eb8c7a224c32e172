from storytrace.normalize.dates import find_en_date, find_vi_date, find_zh_dateline, is_date_line, parse_structured


def test_structured_dates_keep_offset_and_precision():
    assert parse_structured("2021-02-05 09:23:27.000000000 +08:00", "fm").value == "2021-02-05T09:23:27+08:00"
    assert parse_structured("2022-11-25T09:53:00.000Z", "fm").value == "2022-11-25T09:53:00Z"
    found = parse_structured("2022-11-25", "fm")
    assert (found.value, found.precision) == ("2022-11-25", "date")
    assert parse_structured("1669369980000", "epoch").value == "2022-11-25T09:53:00Z"
    assert parse_structured("next tuesday", "fm") is None


def test_chinese_dateline_without_year_stays_month_day():
    found = find_zh_dateline("某某社上海3月8日电 今天上午，会议开幕。")
    assert (found.value, found.precision) == ("--03-08", "month-day")
    assert "3月8日电" in found.evidence


def test_year_comes_only_from_a_stated_range_containing_the_day():
    text = "代表团于2020年3月7日至9日访问上海。会谈顺利。（某某社上海3月8日电）"
    found = find_zh_dateline(text)
    assert (found.value, found.precision) == ("2020-03-08", "date")
    assert "2020年3月7日至9日" in found.evidence
    other = find_zh_dateline("代表团于2020年4月7日至9日访问。（某某社上海3月8日电）")
    assert other.precision == "month-day"


def test_vietnamese_and_english_datelines():
    found = find_vi_date("Thứ 7, 12/03/2022 | 08:05:10", "vi")
    assert (found.value, found.precision) == ("2022-03-12T08:05:10+07:00", "datetime")
    assert find_vi_date("Chủ nhật, 13/03/2022, 16:43[GMT+7]", "vi").value == "2022-03-13T16:43:00+07:00"
    assert find_en_date("Published at Mar 2, 2021 11:05 pm").value == "2021-03-02T23:05:00"
    assert find_en_date("Posted on January 9, 2020").value == "2020-01-09"


def test_date_only_lines():
    assert is_date_line("Chủ nhật, 13/03/2022, 16:43[GMT+7]")
    assert is_date_line("Published at Mar 2, 2021 11:05 pm")
    assert not is_date_line("Ngày 25/11/2022, hai bên đã ký nhiều văn kiện hợp tác quan trọng.")


def test_header_timestamp_lines():
    from storytrace.normalize.dates import find_header_stamp, find_in_text

    found = find_header_stamp("2023-05-06 07:08:09　来源：某某网")
    assert (found.value, found.precision, found.line) == ("2023-05-06T07:08:09", "datetime",
                                                          "2023-05-06 07:08:09　来源：某某网")
    assert find_header_stamp("2023年05月06日 07:08　本报讯").value == "2023-05-06T07:08:00"
    assert find_header_stamp("2023-05-06 是一个普通的日子，" + "很长的正文" * 20) is None
    found = find_in_text(["2023年05月06日　本报讯"], "某某社北京5月6日电 正文", "zh")
    assert (found.value, found.precision) == ("2023-05-06", "date")


def test_rss_and_english_structured_dates():
    assert parse_structured("Tue, 10 Jun 2003 04:00:00 GMT", "feed").value == "2003-06-10T04:00:00Z"
    found = parse_structured("Dec 17, 2021", "json")
    assert (found.value, found.precision) == ("2021-12-17", "date")
