import codecs

import pytest

from storytrace.read.encoding import DecodeError, decode_bytes

ZH_HANS = "中国国家主席今天在北京会见来访的外国领导人，双方就合作交换了意见。" * 3
ZH_HANT = "香港政府今日宣布新的防疫措施，市民須遵守有關規定，違者會被檢控。" * 3


@pytest.mark.parametrize("text,encoding", [
    (ZH_HANS, "gbk"), (ZH_HANS, "gb18030"), (ZH_HANT, "big5"), (ZH_HANS, "utf-8"),
    ("Hà Nội hôm nay công bố kế hoạch hợp tác mới với các đối tác quốc tế.", "utf-8"),
])
def test_decodes_common_encodings_without_mojibake(text, encoding):
    decoded, _ = decode_bytes(text.encode(encoding))
    assert decoded == text


def test_bom_wins_for_utf8_and_utf16():
    assert decode_bytes(codecs.BOM_UTF8 + ZH_HANS.encode("utf-8"))[0] == ZH_HANS
    assert decode_bytes(ZH_HANT.encode("utf-16"))[0] == ZH_HANT
    assert decode_bytes(codecs.BOM_UTF16_BE + ZH_HANT.encode("utf-16-be"))[0] == ZH_HANT


def test_declared_meta_charset_is_used_when_it_decodes():
    html = f'<html><head><meta charset="gb2312"></head><body><p>{ZH_HANS}</p></body></html>'
    assert ZH_HANS in decode_bytes(html.encode("gbk"))[0]


def test_binary_and_undecodable_bytes_are_errors():
    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DecodeError):
        decode_bytes(bytes(range(1, 9)) * 400 + b"\xff\xfe\xfa" * 200)


@pytest.mark.parametrize("text,encoding", [
    ("标题\n\n今天天气很好。", "gbk"), ("香港今日天晴", "gbk"), ("香港今日天晴", "big5"),
    ("臺灣總統府發言人表示", "gbk"), ("臺灣總統府發言人表示", "big5"), ("習近平會見外賓", "big5"),
    ("“Smart quotes” — café crème", "cp1252"),
])
def test_short_legacy_texts_are_not_taken_for_korean_or_japanese(text, encoding):
    assert decode_bytes(text.encode(encoding))[0] == text


def test_a_few_corrupt_bytes_in_utf8_are_replaced_not_fatal():
    from storytrace.read.encoding import decode_bytes

    body = "记者今日在港口看到，新一季的稻米已经装船，运往东南亚各国。" * 30
    data = body.encode("utf-8")
    damaged = data[:300] + b"\xff\xfe" + data[300:]
    text, encoding = decode_bytes(damaged)
    assert "replaced" in encoding and text.count("\ufffd") == 2
    assert text.replace("\ufffd", "") == body
