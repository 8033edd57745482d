"""Open the HTML report in real headless Chromium and check what it renders.

Run by ``make test-browser``. Renders the sample report to a temp dir, loads it with
``--dump-dom`` (the DOM after the page's script ran) and checks the fleet summary, every
server row, the SVG chart and its counts, and sorting: ``#sort=<key>-<dir>`` makes the page
press the real header buttons, so the click handler and the sort code both run. Chromium's
console log is checked for CSP refusals (the page allows its inline script by hash only).
A hostile server name is loaded too, to see it shown as text and never run.

Installs Debian's ``chromium`` with apt-get when /usr/bin/chromium is missing.
Exits 1 with one line per failed check. ``--keep DIR`` keeps the HTML and a screenshot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exotls.report import render
from report_samples import HOSTILE_NAME, sample_report, sample_rules

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
URGENCY = ["blocked", "unknown", "ready", "disabled"]


class Failures(list[str]):
    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.append(what)


def ensure_chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    print("check_html: /usr/bin/chromium missing; installing Debian's chromium with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(cmd, env=env, check=False)
        if done.returncode != 0:
            sys.exit(f"check_html: FAILED: `{' '.join(cmd)}` exited {done.returncode}; install chromium and rerun")
    if not os.path.exists(CHROMIUM):
        sys.exit("check_html: FAILED: apt-get installed chromium but /usr/bin/chromium is still missing")
    return CHROMIUM


def run_chromium(browser: str, profile: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        sys.exit(f"check_html: FAILED: chromium did not finish within 120 s: {' '.join(cmd)}")


def dump_dom(browser: str, work: Path, page: Path, fragment: str, failures: Failures) -> lxml_html.HtmlElement:
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
    done = run_chromium(browser, profile, ["--dump-dom", page.as_uri() + fragment])
    if done.returncode != 0 or "<html" not in done.stdout:
        sys.exit(f"check_html: FAILED: chromium --dump-dom exited {done.returncode}:\n{done.stderr[-2000:]}")
    for line in done.stderr.splitlines():
        if "Content Security Policy" in line or "Refused to" in line or "Uncaught" in line:
            failures.append(f"{page.name}{fragment}: browser console: {line.strip()}")
    return lxml_html.fromstring(done.stdout)


def row_names(dom: lxml_html.HtmlElement) -> list[str]:
    return [str(tr.get("data-server")) for tr in dom.xpath('//table[@id="server-table"]/tbody/tr')]


def text(dom: lxml_html.HtmlElement, xpath: str) -> str:
    found = dom.xpath(xpath)
    return " ".join(" ".join(e.text_content().split()) for e in found)


def check_page(dom: lxml_html.HtmlElement, failures: Failures) -> None:
    report = sample_report()
    names = [s.name for s in report.servers]
    failures.check(
        f"Fleet verdict: {report.fleet.verdict}" in text(dom, '//*[@id="fleet-verdict"]'),
        f"fleet verdict {report.fleet.verdict!r} not shown in #fleet-verdict",
    )
    facts = text(dom, '//dl[contains(@class, "facts")]')
    for expected in ("6 files: 4 read, 1 error, 1 ignored", "AllowLegacyTLSClients = $true", "5 servers"):
        failures.check(expected in facts, f"summary panel lacks {expected!r}; it reads {facts!r}")
    failures.check(row_names(dom) == names, f"server rows {row_names(dom)} != report order {names}")
    for server in report.servers:
        row = text(dom, f'//tr[@data-server="{server.name}"]')
        verdict = server.legacy_tls.verdict if server.legacy_tls else "unknown"
        failures.check(server.name in row and verdict in row, f"row of {server.name} lacks its name or {verdict!r}")
    bars = dom.xpath('//figure[@id="verdict-chart"]/svg/g[@data-verdict]')
    failures.check(len(bars) == 4, f"chart has {len(bars)} bars, expected 4")
    for bar in bars:
        verdict = str(bar.get("data-verdict"))
        want = report.fleet.counts[verdict]
        shown = text(bar, './*[local-name()="text"][@class="count"]')
        failures.check(shown == str(want), f"chart bar {verdict!r} shows {shown!r}, expected {want}")
        width = float(bar.xpath('./*[local-name()="rect"]')[0].get("width"))
        failures.check((width > 0) == (want > 0), f"chart bar {verdict!r} width {width} for count {want}")
    alt = text(dom, '//*[@id="chart-desc"]') + " " + text(dom, '//*[@id="chart-text"]')
    failures.check("2 ready, 1 blocked, 1 disabled, 1 unknown" in alt, f"chart text alternative reads {alt!r}")
    failures.check(dom.xpath('//*[@id="server-table"]/@data-sort-key') == [], "table sorted without a fragment")
    shown = text(dom, '//*[@id="findings"]')
    for finding in ("BLD001", "ORG001", "NET001"):
        failures.check(finding in shown, f"finding {finding} not in the findings section")
    failures.check("dumps/broken.xml" in text(dom, '//*[@id="unread"]'), "unread file dumps/broken.xml not listed")


def check_sort(
    browser: str, work: Path, page: Path, failures: Failures, key: str, direction: str, expect: Callable[[], list[str]]
) -> None:
    dom = dump_dom(browser, work, page, f"#sort={key}-{direction}", failures)
    want = expect()
    failures.check(row_names(dom) == want, f"#sort={key}-{direction}: rows {row_names(dom)}, expected {want}")
    th = dom.xpath(f'//table[@id="server-table"]/thead//th[@data-key="{key}"]')
    aria = th[0].get("aria-sort") if th else None
    wanted_aria = "descending" if direction == "desc" else "ascending"
    failures.check(aria == wanted_aria, f"#sort={key}-{direction}: header aria-sort is {aria!r}")
    others = dom.xpath(f'//table[@id="server-table"]/thead//th[@data-key!="{key}"]/@aria-sort')
    failures.check(set(others) == {"none"}, f"#sort={key}-{direction}: other headers aria-sort {set(others)}")
    status = text(dom, '//*[@id="sort-status"]')
    failures.check(status.startswith("Sorted by"), f"#sort={key}-{direction}: sort status reads {status!r}")


def check_hostile(browser: str, work: Path, failures: Failures) -> None:
    page = work / "hostile.html"
    page.write_text(render(sample_report(first_name=HOSTILE_NAME), "html", rules=sample_rules()), encoding="utf-8")
    dom = dump_dom(browser, work, page, "", failures)
    scripts = dom.xpath("//script")
    failures.check(len(scripts) == 1, f"hostile page has {len(scripts)} <script> elements, expected only its own")
    failures.check(HOSTILE_NAME in row_names(dom), "hostile server name not shown verbatim as a row")
    failures.check(HOSTILE_NAME in text(dom, "//tbody/tr[1]/th"), "hostile name not shown as text in its cell")


def screenshot(browser: str, work: Path, page: Path, failures: Failures) -> Path:
    png = work / "report.png"
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
    done = run_chromium(
        browser, profile, ["--hide-scrollbars", "--window-size=1280,2200", f"--screenshot={png}", page.as_uri()]
    )
    ok = done.returncode == 0 and png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    failures.check(ok, f"screenshot failed (exit {done.returncode}): {done.stderr[-500:]}")
    return png


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the HTML and screenshot here and keep them")
    args = parser.parse_args()
    browser = ensure_chromium()
    work = Path(tempfile.mkdtemp(prefix="exotls-html-"))
    failures = Failures()
    try:
        report = sample_report()
        page = work / "report.html"
        page.write_text(render(report, "html", rules=sample_rules()), encoding="utf-8")
        check_page(dump_dom(browser, work, page, "", failures), failures)
        by_verdict = sorted(
            report.servers, key=lambda s: URGENCY.index(s.legacy_tls.verdict if s.legacy_tls else "unknown")
        )
        check_sort(browser, work, page, failures, "name", "desc",
                   lambda: sorted((s.name for s in report.servers), key=str.lower, reverse=True))
        check_sort(browser, work, page, failures, "name", "asc",
                   lambda: sorted((s.name for s in report.servers), key=str.lower))
        check_sort(browser, work, page, failures, "verdict", "asc", lambda: [s.name for s in by_verdict])
        check_hostile(browser, work, failures)
        png = screenshot(browser, work, page, failures)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for item in (page, png, work / "hostile.html"):
                if item.exists():
                    shutil.copy2(item, args.keep / item.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        for failure in failures:
            print(f"check_html: FAILED: {failure}", file=sys.stderr)
        return 1
    print("check_html: OK: summary, 5 server rows, chart, sorting (name desc/asc, verdict), escaping, screenshot")
    return 0


if __name__ == "__main__":
    sys.exit(main())
