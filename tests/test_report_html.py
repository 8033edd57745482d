"""HTML: one self-contained, deterministic file; dump text escaped; CSP pins the inline code."""

from __future__ import annotations

import base64
import hashlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from exotls.report import render
from exotls.report.display import plain
from exotls.report.html import SORT_KEYS
from report_samples import HOSTILE_NAME, sample_report, sample_rules

ROWS = '//table[@id="server-table"]/tbody/tr'


def _html(first_name: str = "EX01") -> str:
    return render(sample_report(first_name=first_name), "html", rules=sample_rules())


def _dom(text: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(text)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_script_in_server_name_is_escaped() -> None:
    text = _html(HOSTILE_NAME)
    assert text.count("<script") == 1  # only the page's own script
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;|EX|" in text
    dom = _dom(text)
    assert len(dom.xpath("//script")) == 1
    # the browser shows the name verbatim as text, in the row and its data attribute
    assert dom.xpath("//tbody/tr[1]/th")[0].text_content() == HOSTILE_NAME
    assert dom.xpath("//tbody/tr[1]/@data-server") == [HOSTILE_NAME]


def test_attribute_breakout_is_escaped() -> None:
    text = _html('x" onmouseover="alert(1)')
    dom = _dom(text)
    assert not dom.xpath("//*[@onmouseover]")
    assert dom.xpath("//tbody/tr[1]/@data-server") == ['x" onmouseover="alert(1)']


def test_self_contained() -> None:
    text = _html()
    dom = _dom(text)
    assert not dom.xpath("//*[@src]") and not dom.xpath("//link") and not dom.xpath("//iframe|//object|//embed")
    # every attribute that mentions a URL scheme is an <a href> to documentation
    for element in dom.iter():
        for name, value in element.attrib.items():
            if re.search(r"(?i)\b(https?|ftp|javascript|data):", value) and name != "content":
                assert element.tag == "a" and name == "href", (element.tag, name, value)
                assert value.startswith("https://github.com/exotls/exotls/blob/main/docs/rules/")
    links = dom.xpath("//a/@href")
    assert len(links) == 7
    style = dom.xpath("//style")[0].text
    script = dom.xpath("//script")[0].text
    for code in (style, script):
        assert "http" not in code and "url(" not in code and "@import" not in code
    assert "fetch(" not in script and "XMLHttpRequest" not in script


def test_csp_allows_exactly_the_inline_style_and_script() -> None:
    dom = _dom(_html())
    csp = dom.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    style, script = dom.xpath("//style")[0].text, dom.xpath("//script")[0].text
    assert f"style-src {_sha(style)};" in csp
    assert f"script-src {_sha(script)};" in csp
    assert csp.startswith("default-src 'none';") and "unsafe-inline" not in csp


def test_deterministic() -> None:
    assert _html() == _html()
    assert _html() != render(sample_report(), "html", rules=())  # rule titles come from the metadata


def test_summary_servers_chart_findings() -> None:
    report = sample_report()
    dom = _dom(_html())
    assert " ".join(dom.xpath('//*[@id="fleet-verdict"]')[0].text_content().split()) == "Fleet verdict: blocked"
    facts = dom.xpath('//dl[contains(@class,"facts")]')[0].text_content()
    assert "6 files: 4 read, 1 error, 1 ignored" in facts and "AllowLegacyTLSClients = $true" in facts
    assert dom.xpath('//table[@id="server-table"]/tbody/tr/@data-server') == [s.name for s in report.servers]
    assert dom.xpath('//table[@id="server-table"]/thead//th/@data-key') == [k for k, _ in SORT_KEYS]
    assert len(dom.xpath('//table[@id="server-table"]/thead//th/button')) == len(SORT_KEYS)
    ex02 = [td.text_content() for td in dom.xpath('//tr[@data-server="EX02"]/td')]
    assert ex02[1:] == ["on*", "on*", "off", "?", "off", "blocked"]
    bars = {g.get("data-verdict"): g.get("data-count") for g in dom.xpath("//svg/g[@data-verdict]")}
    assert bars == {"ready": "2", "blocked": "1", "disabled": "1", "unknown": "1"}
    svg = dom.xpath("//svg")[0]
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-title chart-desc"
    assert dom.xpath('//*[@id="chart-desc"]')[0].text == "2 ready, 1 blocked, 1 disabled, 1 unknown"
    assert dom.xpath('//*[@id="findings"]//li/@data-rule') == ["BLD001", "TLS002", "NET001", "ORG001", "TLS001", "INP001"]
    assert "rule error" in dom.xpath('//li[@data-rule="INP001"]')[0].text_content()
    assert dom.xpath('//*[@id="unchecked"]//li/@data-rule') == ["NET001"]
    assert "EX04" in dom.xpath('//*[@id="unchecked"]//li')[0].text_content()
    assert dom.xpath('//*[@id="suppressed"]//li/@data-rule') == ["TLS001"]
    facts = dom.xpath('//dl[contains(@class,"facts")]')[0].text_content()
    assert "6 to fix, 1 not checked, 1 suppressed" in facts
    assert "dumps/notes.txt" in dom.xpath('//*[@id="unread"]')[0].text_content()


def test_sort_values_order_by_urgency() -> None:
    dom = _dom(_html())
    verdicts = {tr.get("data-server"): tr.xpath("./td[last()]/@data-sort")[0] for tr in dom.xpath(ROWS)}
    assert sorted(verdicts, key=lambda n: (verdicts[n], n)) == ["EX02", "EX04", "EDGE01", "EX01", "EX03"]


def test_unsafe_docs_link_is_text() -> None:
    report = sample_report()
    report.findings[1].docs = "javascript:alert(1)"
    dom = _dom(render(report, "html"))
    assert all(not h.startswith("javascript") for h in dom.xpath("//a/@href"))
    assert "javascript:alert(1)" in dom.xpath('//*[@id="findings"]')[0].text_content()


def test_legacy_usage_section() -> None:
    section = _dom(_html()).xpath('//*[@id="usage"]')[0]
    rows = [[td.text_content() for td in tr.xpath("./td")] for tr in section.xpath(".//tbody/tr")]
    assert [r[:4] for r in rows] == [["TLS 1.0", "smtp-receive", "EX01", "10.0.8.21"],
                                     ["TLS 1.1", "iis", "EX01", "10.0.9.40"]]
    assert not _dom(render(sample_report(usage=False), "html")).xpath('//*[@id="usage"]')


def test_usage_capped_with_a_caption() -> None:
    from exotls.report.display import USAGE_LIMIT

    report = sample_report()
    assert report.usage is not None
    first = report.usage.clients[0]
    report.usage.clients = [first.model_copy(update={"client": f"10.1.0.{i}"}) for i in range(USAGE_LIMIT + 5)]
    section = _dom(render(report, "html")).xpath('//*[@id="usage"]')[0]
    assert len(section.xpath(".//tbody/tr")) == USAGE_LIMIT
    assert f"{USAGE_LIMIT + 5} clients used TLS 1.0/1.1 or SSL; the first {USAGE_LIMIT} are listed" in (
        section.text_content())


def test_plans_are_collapsible_and_escaped() -> None:
    report = sample_report(first_name=HOSTILE_NAME)
    legacy = report.servers[0].legacy_tls
    assert legacy is not None
    legacy.plan[0].commands = ["</code></pre><script>alert(1)</script>"]
    dom = _dom(render(report, "html", rules=()))
    plans = dom.xpath('//*[@id="plans"]/details')
    assert [p.get("data-server") for p in plans] == [HOSTILE_NAME, "EX02", "EX03", "EX04", "EDGE01"]
    first = plans[0]
    assert [li.xpath("./strong")[0].text for li in first.xpath("./ol/li")] == ["verify", "disable-legacy-tls", "reboot"]
    assert first.xpath(".//pre/code")[0].text == "</code></pre><script>alert(1)</script>"
    assert len(dom.xpath("//script")) == 1
    assert "TLS 1.2\\Server  Enabled  REG_DWORD  1" in plans[1].xpath(".//pre/code")[0].text


NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(name=NAMES)
def test_any_server_name_round_trips_as_text(name: str) -> None:
    dom = _dom(render(sample_report(first_name=name), "html", rules=()))
    assert len(dom.xpath("//script")) == 1
    assert dom.xpath(ROWS + "[1]/th")[0].text_content() == plain(name)
    assert len(dom.xpath(ROWS)) == 5
