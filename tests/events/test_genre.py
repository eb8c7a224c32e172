"""Commentary labels in headlines (analysis, columns, polls, press reviews)."""
from __future__ import annotations

from storytrace.events.genre import is_commentary


def test_labelled_commentary_in_several_languages():
    for title in ("焦点：央行政策转向？", "分析：美元前景", "綜述：美元前景黯淡--路透調查", "ANALYSIS-Dollar smile returns",
                  "Column: the yuan's quiet rise", "Phân tích: đồng đô la", "美元走势 - 要闻解说",
                  "《某报》：应当倾听 - 法国报纸摘要", "中國重要財經新聞一周回顧", "武漢肺炎全球最新情報2/5",
                  "Markets: the week in review", "Điểm tin sáng 5/2"):
        assert is_commentary(title), title


def test_reports_are_not_commentary():
    for title in ("港股高收175點", "Focus on Biden as summit opens", "美国总统称准备合作", "分析师称美元走强", ""):
        assert not is_commentary(title), title
