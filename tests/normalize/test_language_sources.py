from storytrace.normalize.language import detect_language, detect_script
from storytrace.normalize.sources import cited_sources, outlet_from_byline, outlet_from_code, outlet_from_url


def test_language_and_script():
    assert detect_language("市政府今天宣布新的交通措施。") == "zh"
    assert detect_language("Thành phố hôm nay công bố các biện pháp giao thông mới cho người dân.") == "vi"
    assert detect_language("The city announced new traffic measures for residents today.") == "en"
    assert detect_script("政府今天發表聲明，說明這項決定的理由。", "zh") == "Hant"
    assert detect_script("政府今天发表声明，说明这项决定的理由。", "zh") == "Hans"
    assert detect_script("The city announced.", "en") == "Latn"


def test_cited_sources_from_cues():
    assert cited_sources("据新华社报道，会议今天开幕。路透社也报道了此事。") == ["Xinhua", "Reuters"]
    assert cited_sources("（中新社北京3月8日电）") == ["China News Service"]
    assert cited_sources("Theo nhandan.vn") == ["Nhân Dân"]
    assert cited_sources("Theo Tân Hoa xã, hai bên đã ký.") == ["Xinhua"]
    assert cited_sources("LONDON (Reuters) - Markets fell. AFP contributed.") == ["Reuters", "AFP"]
    assert cited_sources("法新社报道，共同社和中央社也有报道。") == ["AFP", "Kyodo", "CNA"]
    # An outlet that is only the topic of the story is not a cited source.
    assert cited_sources("英国监管机构批评BBC的节目。") == []
    assert cited_sources("据BBC报道，节目停播。") == ["BBC"]


def test_outlets_from_codes_urls_and_bylines():
    assert outlet_from_code("rthk") == "RTHK" and outlet_from_code("joins") == "JoongAng"
    assert outlet_from_url("https://www.zaobao.com/realtime/x") == "Lianhe Zaobao"
    assert outlet_from_url("https://news.example.org/x") is None
    assert outlet_from_byline(["标题", "中新社北京3月8日电 今天上午……"]) == "China News Service"
    assert outlet_from_byline(["正文。", "（新华社北京3月8日电）"]) == "Xinhua"
