"""Regenerate `articles/nanling-times.warc.gz`: a small crawl holding one HTML news page.

Why a script: a WARC is binary (gzip per record) and must be written by a real WARC
writer (warcio) to look like what crawlers produce: a warcinfo record, the request, then
the HTML response. Fixed dates and record ids keep the output byte-stable (zlib's gzip headers
carry no timestamp), so re-running
leaves git clean. Run: `python examples/make_warc.py`.

The page text is original fiction written for storytrace's examples.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

TARGET = Path(__file__).resolve().parent / "articles" / "nanling-times.warc.gz"
PAGE_URL = "http://www.nanling-times.example/world/2024-03/14/c_20240314_0042.htm"
CRAWL_DATE = "2024-03-15T02:11:09Z"

PAGE_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>中新两国签署6项合作文件 将启动五年联合研究计划-南岭时报网</title>
<meta property="og:site_name" content="南岭时报网">
<meta property="og:title" content="中新两国签署6项合作文件 将启动五年联合研究计划">
<meta property="og:url" content="http://www.nanling-times.example/world/2024-03/14/c_20240314_0042.htm">
<meta property="article:published_time" content="2024-03-14T20:10:00+08:00">
</head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/local/">本地</a> | <a href="/world/">国际</a> | <a href="/video/">视频</a></div>
<div class="article">
<h1>中新两国签署6项合作文件 将启动五年联合研究计划</h1>
<div class="meta">2024-03-14 20:10　来源：新华社　编辑：林晓峰</div>
<p>据新华社消息，国务院副总理王振华14日在北京人民大会堂会见来华进行正式访问的新西兰总理艾玛·柯林斯。会见后，两人共同见证了《中新农业科技合作协议》等6项双边合作文件的签署。</p>
<p>柯林斯表示，新方高度重视对华关系，愿同中方保持高层交往，在农业科技、清洁能源和教育等领域拓展务实合作。新方欢迎更多中国学生赴新西兰学习，期待双方明年在奥克兰共同举办首届中新农业科技博览会。</p>
<p>根据协议，两国农业科研机构将于今年下半年启动为期五年的联合研究计划，重点攻关草地退化修复和奶牛低碳养殖技术。</p>
<p>记者了解到，新西兰是我国乳制品的主要进口来源国之一。业内人士认为，围绕低碳养殖开展联合攻关，有望为国内牧场减排提供可借鉴的经验。</p>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="footer">南岭时报网版权所有　未经书面授权禁止使用</div>
</body>
</html>
"""


def _record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def build_warc() -> bytes:
    """The WARC bytes: warcinfo, request and response records, each gzipped on its own."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    fixed = {"WARC-Date": CRAWL_DATE}

    info = writer.create_warcinfo_record(
        "nanling-times.warc.gz",
        {"software": "storytrace examples (warcio)", "format": "WARC File Format 1.1"},
    )
    info.rec_headers.replace_header("WARC-Record-ID", _record_id(1))
    info.rec_headers.replace_header("WARC-Date", CRAWL_DATE)
    writer.write_record(info)

    request_headers = StatusAndHeaders(
        "GET /world/2024-03/14/c_20240314_0042.htm HTTP/1.1",
        [("Host", "www.nanling-times.example"), ("User-Agent", "storytrace-example-crawler/1.0")],
        is_http_request=True,
    )
    request = writer.create_warc_record(
        PAGE_URL, "request", http_headers=request_headers, warc_headers_dict=fixed
    )
    request.rec_headers.replace_header("WARC-Record-ID", _record_id(2))
    writer.write_record(request)

    body = PAGE_HTML.encode("utf-8")
    response_headers = StatusAndHeaders(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    response = writer.create_warc_record(
        PAGE_URL, "response", payload=BytesIO(body), http_headers=response_headers,
        warc_headers_dict=fixed,
    )
    response.rec_headers.replace_header("WARC-Record-ID", _record_id(3))
    writer.write_record(response)
    return buffer.getvalue()


if __name__ == "__main__":
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(build_warc())
    print(TARGET)
