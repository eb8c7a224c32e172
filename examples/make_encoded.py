"""Regenerate the example articles whose bytes are not plain UTF-8.

Why a script: GBK, Big5, a UTF-8 byte-order mark and a zip archive are easy to break by
opening them in an editor, so their text lives here and the files under `articles/` are
written from it. Run from anywhere: `python examples/make_encoded.py`. The output is
deterministic (fixed zip timestamps), so re-running leaves git clean.

All texts are original fiction written for storytrace's examples.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

ARTICLES = Path(__file__).resolve().parent / "articles"

# A mainland portal reprinting the wire almost whole, saved in GBK (as many such portals still are).
HUAXIA_PORTAL_GBK = """王振华会见新西兰总理柯林斯
2024-03-14 17:02:33　来源：新华社
新华社北京3月14日电（记者李明远）国务院副总理王振华14日在北京人民大会堂会见来华进行正式访问的新西兰总理艾玛·柯林斯。会见后，两人共同见证了《中新农业科技合作协议》等6项双边合作文件的签署。
王振华表示，中新建交50多年来，两国关系始终走在中国同发达国家关系前列。中方愿同新方坚持相互尊重、平等相待，深化互利共赢合作，推动中新全面战略伙伴关系不断向前发展，为地区和平与繁荣作出新的贡献。
王振华指出，农业是中新合作的传统优势领域。双方要用好乳制品、猕猴桃和牧草育种等合作平台，扩大在绿色农业、节水灌溉和动植物疫病防控方面的联合研究，让合作成果更多惠及两国农民。
柯林斯表示，新方高度重视对华关系，愿同中方保持高层交往，在农业科技、清洁能源和教育等领域拓展务实合作。新方欢迎更多中国学生赴新西兰学习，期待双方明年在奥克兰共同举办首届中新农业科技博览会。
（完）
【纠错】　责任编辑：王璐
"""

# A Taiwan outlet's own rewrite in Traditional script, quoting one wire paragraph, saved in Big5.
BEITAI_BIG5 = """中國副總理王振華會見紐西蘭總理 雙方簽署農業科技協議
2024年03月14日 21:05　北台新聞網／綜合報導
中國國務院副總理王振華14日在北京會見到訪的紐西蘭總理柯林斯（Emma Collins），雙方見證簽署包括農業科技合作協議在內的6項文件。
據新華社報導，王振華指出，農業是中新合作的傳統優勢領域。雙方要用好乳製品、獼猴桃和牧草育種等合作平台，擴大在綠色農業、節水灌溉和動植物疫病防控方面的聯合研究，讓合作成果更多惠及兩國農民。
柯林斯則表示，紐方歡迎更多中國學生赴紐西蘭留學，並期待明年在奧克蘭共同舉辦首屆農業科技博覽會。
分析人士指出，紐西蘭是首個與中國簽署自由貿易協定的已開發國家，農產品一向是雙邊貿易的主力，此次協議聚焦科研合作，顯示兩國合作正由貿易延伸至技術層面。
"""

# A Vietnamese news page as scraped: crawl clock first, then title, publication line, view
# counter, a caption line and a keyword menu around a condensed translation. UTF-8 with BOM.
TINVIET_PAGE_VI = """Thứ Bảy, 16/03/2024, 08:05[GMT+7]
Trung Quốc và New Zealand ký thỏa thuận hợp tác khoa học nông nghiệp
Thứ Năm, 14/03/2024 | 19:20:15
2,108 lượt xem
Bắc Kinh, 14/3 (TTXVN) - Phó Thủ tướng Quốc vụ viện Trung Quốc Vương Chấn Hoa ngày 14/3 đã hội kiến Thủ tướng New Zealand Emma Collins, người đang ở thăm chính thức Trung Quốc. Sau cuộc gặp, hai bên đã chứng kiến lễ ký 6 văn kiện hợp tác song phương, trong đó có Hiệp định hợp tác khoa học nông nghiệp Trung Quốc - New Zealand.
Phó Thủ tướng Vương Chấn Hoa cho biết Trung Quốc sẵn sàng cùng New Zealand kiên trì tôn trọng lẫn nhau, đối xử bình đẳng, làm sâu sắc hợp tác cùng có lợi, thúc đẩy quan hệ đối tác chiến lược toàn diện hai nước không ngừng phát triển.
Theo ông Vương Chấn Hoa, nông nghiệp là lĩnh vực có thế mạnh truyền thống trong hợp tác song phương. Hai bên cần tận dụng tốt các nền tảng hợp tác về sản phẩm sữa, kiwi và chọn giống cỏ chăn nuôi, mở rộng nghiên cứu chung về nông nghiệp xanh, tưới tiết kiệm nước và phòng chống dịch bệnh động thực vật.
Phó Thủ tướng Vương Chấn Hoa (phải) và Thủ tướng New Zealand Emma Collins tại Bắc Kinh. Ảnh: Tân Hoa xã
Về phần mình, Thủ tướng Emma Collins khẳng định New Zealand coi trọng quan hệ với Trung Quốc, mong muốn mở rộng hợp tác thực chất trong các lĩnh vực khoa học nông nghiệp, năng lượng sạch và giáo dục. Bà cho biết hai nước dự kiến đồng tổ chức Hội chợ khoa học nông nghiệp Trung Quốc - New Zealand đầu tiên tại Auckland vào năm tới.
Theo TTXVN
• Từ khóa: Trung Quốc New Zealand hợp tác nông nghiệp Vương Chấn Hoa
"""

# Zip member 1: a news-flash site's Jekyll post whose body is HTML, excerpting the wire.
KUAIXUN_BRIEF_MD = """---
title: 中新签署农业科技合作协议
date: 2024-03-14T16:45:00+08:00
author: 快讯中国编辑部
from: https://kuaixun-china.example/brief/20240314-nz
---
<p>【快讯】新华社北京3月14日电 国务院副总理王振华14日在北京人民大会堂会见来华进行正式访问的新西兰总理艾玛·柯林斯。会见后，两人共同见证了《中新农业科技合作协议》等6项双边合作文件的签署。</p>
<div class="ad-slot"></div>
<p>根据协议，两国农业科研机构将于今年下半年启动为期五年的联合研究计划，重点攻关草地退化修复和奶牛低碳养殖技术。</p>
<p>（快讯中国综合新华社报道）</p>
"""

# Zip member 2: the look-alike. Same leader, same stock formulas, different counterpart and date.
CHILE_TALKS_TXT = """王振华会见智利农业部长门多萨
2023-11-21 19:40:12　来源：新华社
新华社北京11月21日电（记者李明远）国务院副总理王振华21日在北京钓鱼台国宾馆会见来华出席中国国际农产品交易会的智利农业部长卡洛斯·门多萨。
王振华表示，中智建交50多年来，两国关系始终走在中国同拉美国家关系前列。中方愿同智方坚持相互尊重、平等相待，深化互利共赢合作，推动中智全面战略伙伴关系不断向前发展。
王振华指出，农业是中智合作的重要领域。双方要扩大车厘子、葡萄和三文鱼等优质农产品贸易，加强检验检疫和冷链物流合作，让合作成果更多惠及两国人民。
门多萨表示，智方愿同中方一道，推动更多智利农产品进入中国市场，并在农业科研和人员培训方面加强交流。
（完）
"""

ZIP_MEMBERS = {"kuaixun-brief.md": KUAIXUN_BRIEF_MD, "chile-talks.txt": CHILE_TALKS_TXT}
_FIXED_ZIP_TIME = (2024, 3, 16, 12, 0, 0)


def write_all(target: Path = ARTICLES) -> list[Path]:
    """Write every encoded example under `target`; returns the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = {
        target / "huaxia-portal-gbk.txt": HUAXIA_PORTAL_GBK.encode("gbk"),
        target / "beitai-news-big5.txt": BEITAI_BIG5.encode("big5"),
        target / "tinviet-page-vi.txt": TINVIET_PAGE_VI.encode("utf-8-sig"),
    }
    for path, data in written.items():
        path.write_bytes(data)
    bundle = target / "bundle.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in ZIP_MEMBERS.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return [*written, bundle]


if __name__ == "__main__":
    for written_path in write_all():
        print(written_path)
