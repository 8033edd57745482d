"""Benchmark: analyze_usage on a synthetic mix of SMTP receive logs and IIS logs.

Usage: python bench/bench_usage.py [--size-mb 1024] [--keep]

Generates the data into bench/.data/usage/ (gitignored; only that folder is ever deleted), then prints one line per measure:
``name value target ok/FAIL``. The floor is a plain ``grep -c`` over the same files
(``SP_PROT`` in the SMTP logs, `` 40 `` in the IIS logs): reading the bytes once with
the fastest tool there is. Memory is the peak RSS of a serial run in a fresh process,
at an eighth of the size and at the full size: streaming means it must stay flat.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Only this benchmark's own subfolder: other benchmarks keep their inputs in bench/.data/ too.
DATA = Path(__file__).resolve().parent / ".data" / "usage"
SMTP_FILE_BYTES = 10 << 20  # Exchange's default ReceiveProtocolLogMaxFileSize
IIS_FILE_BYTES = 96 << 20
TARGET_RATIO = 10.0
SMTP_CLIENTS = 1400
IIS_CLIENTS = 3000
MEMORY_GROWTH_MB = 32.0

_TLS_LINE = (
    '"TLS protocol SP_PROT_{v}_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with '
    'strength 256 bits, MAC hash algorithm CALG_SHA1 with strength 160 bits and key exchange algorithm '
    'CALG_ECDHE with strength 256 bits"'
)
_CERT = (
    '" CN=mail.contoso.com CN=thawte SHA256 SSL CA, O=""thawte, Inc."", C=US 0A1B2C3D 5F2A9C0E1D3B4A5968 '
    '2023-06-01T00:00:00.000Z 2025-06-01T00:00:00.000Z mail.contoso.com"'
)


def _session(rng: random.Random, server: str, sid: int, stamp: str) -> list[str]:
    # A client (device) keeps its address, name, account and TLS version: ~1,400 SMTP clients.
    client = rng.randrange(SMTP_CLIENTS)
    tls = ("TLS1_0", "TLS1_2", "TLS1_2", "TLS1_2", "TLS1_1", None)[client % 6]
    ip = f"10.{client // 250}.{client % 250 // 50}.{client % 50 + 1}"
    ehlo = f"host{client}.contoso.com"
    user = (None, None, f"CONTOSO\\svc-app{client % 60}")[client % 3]
    sender = f"sender{client % 400}@contoso.com"
    conn = f"{server}\\Default Frontend {server}"
    head = f"{stamp},{conn},08DC{sid:012X},"
    tail = f",10.1.0.11:25,{ip}:{rng.randint(1024, 65000)},"
    lines: list[str] = []

    def add(event: str, data: str = "", context: str = "") -> None:
        lines.append(f"{head}{len(lines)}{tail}{event},{data},{context}\r\n")

    add("+")
    add("*", "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders", "Set Session Permissions")
    add(">", f'"220 {server}.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 4 Mar 2024 10:00:00 +0000"')
    add("<", f"EHLO {ehlo}")
    add(">", f"250  {server}.contoso.com Hello [{ip}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS AUTH NTLM LOGIN 8BITMIME BINARYMIME CHUNKING")
    if tls:
        add("<", "STARTTLS")
        add(">", "220 2.0.0 SMTP server ready")
        add("*", _CERT, "Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names")
        add("*", "", _TLS_LINE.format(v=tls))
        add("<", f"EHLO {ehlo}")
        add(">", f"250  {server}.contoso.com Hello [{ip}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES AUTH NTLM LOGIN 8BITMIME")
        add("*", "", "Client certificate chain validation status: 'EmptyCertificate'")
        add("*", "", "TlsDomainCapabilities='None'; Status='NoRemoteCertificate'")
    if user:
        add("<", "AUTH LOGIN")
        add(">", "334 <authentication response>")
        add(">", "334 <authentication response>")
        add("*", user, "authenticated")
        add(">", "235 2.7.0 Authentication successful")
    for _ in range(rng.choice((1, 1, 2))):
        add("<", f"MAIL FROM:<{sender}> SIZE=20480")
        add("*", f"08DC{sid:012X};{stamp};1", "receiving message")
        add(">", "250 2.1.0 Sender OK")
        add("<", "RCPT TO:<helpdesk@contoso.com>")
        add(">", "250 2.1.5 Recipient OK")
        add("<", "BDAT 20480 LAST")
        add(">", f'"250 2.6.0 <{sid}@{ehlo}> [InternalId=1236950581249, Hostname={server}.contoso.com] 20480 bytes in 0.051, 391.544 KB/sec Queued mail for delivery"')
    add("<", "QUIT")
    add(">", "221 2.0.0 Service closing transmission channel")
    add("-", "", "Local")
    return lines


_SMTP_HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
    "#Date: 2024-03-04T{hour:02d}:00:00.000Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,"
    "local-endpoint,remote-endpoint,event,data,context\r\n"
)
_IIS_HEADER = (
    "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-03-0{day} 00:00:00\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken crypt-protocol crypt-cipher crypt-hash "
    "crypt-keyexchange\r\n"
)
_STEMS = ("/owa/", "/EWS/Exchange.asmx", "/mapi/emsmdb/", "/Microsoft-Server-ActiveSync/default.eas", "/Autodiscover/Autodiscover.xml")
_AGENTS = (
    "Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328;+Pro)",
    "Mozilla/5.0+(Windows+NT+6.1;+Trident/7.0;+rv:11.0)+like+Gecko",
    "Apple-iPhone9C1/1402.102",
    "ExchangeServicesClient/15.00.0913.015",
)


def _smtp_files(root: Path, budget: int, rng: random.Random) -> int:
    written = 0
    sid = 0
    hour = 0
    while written < budget:
        server = ("EX01", "EX02")[hour % 2]
        folder = root / server / "TransportRoles" / "Logs" / "FrontEnd" / "ProtocolLog" / "SmtpReceive"
        folder.mkdir(parents=True, exist_ok=True)
        day, hh = divmod(hour // 2, 24)
        path = folder / f"RECV202403{4 + day:02d}{hh:02d}-1.LOG"
        chunks = [_SMTP_HEADER.format(hour=hh)]
        size = len(chunks[0])
        limit = min(SMTP_FILE_BYTES, budget - written)
        pending: list[str] = []  # a session left open carries over into the next file of the server
        while size < limit:
            sid += 1
            lines = _session(rng, server, sid, f"2024-03-{4 + day:02d}T{hh:02d}:{rng.randint(0, 59):02d}:00.000Z")
            block = "".join(lines)
            chunks.append(block)
            size += len(block)
        del pending
        data = "".join(chunks).encode("ascii")
        path.write_bytes(data)
        written += len(data)
        hour += 1
    return written


def _iis_files(root: Path, budget: int, rng: random.Random) -> int:
    written = 0
    index = 0
    while written < budget:
        server = ("EX01", "EX02")[index % 2]
        folder = root / server / "inetpub" / "logs" / "LogFiles" / "W3SVC1"
        folder.mkdir(parents=True, exist_ok=True)
        day = 4 + index // 2
        path = folder / f"u_ex2403{day:02d}.log"
        parts = [_IIS_HEADER.format(day=day % 10)]
        size = len(parts[0])
        limit = min(IIS_FILE_BYTES, budget - written)
        while size < limit:
            client = rng.randrange(IIS_CLIENTS)  # ~3,000 HTTP clients, each with its user, agent and version
            proto = ("400", "400", "400", "40", "100", "-")[client % 6]
            line = (
                f"2024-03-{day:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} "
                f"10.1.0.11 POST {rng.choice(_STEMS)} &CorrelationID=<empty>;&cafeReqId={rng.getrandbits(64):016x}; 443 "
                f"CONTOSO\\user{client} 10.{20 + client // 250}.{client % 250 // 50}.{client % 50 + 1} "
                f"{_AGENTS[client % 4]} - 200 0 0 {rng.randint(1, 900)} {proto} "
                + ("- - -" if proto == "-" else "6610 800d ae06")
                + "\r\n"
            )
            parts.append(line)
            size += len(line)
        data = "".join(parts).encode("ascii")
        path.write_bytes(data)
        written += len(data)
        index += 1
    return written


def generate(size_mb: int) -> Path:
    root = DATA / f"mix-{size_mb}mb"
    marker = root / ".complete"
    if marker.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(size_mb)
    budget = size_mb << 20
    smtp = _smtp_files(root, budget * 6 // 10, rng)
    _iis_files(root, budget - smtp, rng)
    marker.write_text("ok\n")
    return root


def _files(root: Path, pattern: str) -> list[str]:
    return sorted(str(path) for path in root.rglob(pattern))


def grep_floor(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["grep", "-c", "SP_PROT", *_files(root, "RECV*.LOG")], capture_output=True, check=False)
    subprocess.run(["grep", "-c", " 40 ", *_files(root, "u_ex*.log")], capture_output=True, check=False)
    return time.perf_counter() - start


# VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child started by this
# (large) generator process would report the generator's peak instead of its own.
_CHILD = (
    "import sys, time\n"
    "from exotls.usage import analyze_usage\n"
    "start = time.perf_counter()\n"
    "report = analyze_usage([sys.argv[1]], jobs=int(sys.argv[2]))\n"
    "elapsed = time.perf_counter() - start\n"
    "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0].split()[1]\n"
    "print(elapsed, int(hwm) / 1024.0, len(report.clients))\n"
)


def run_child(root: Path, jobs: int) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(jobs)], capture_output=True, text=True, check=True)
    elapsed, rss, clients = out.stdout.split()
    return float(elapsed), float(rss), int(clients)


def _line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name} {value} {target} {'ok' if ok else 'FAIL'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    args = parser.parse_args()
    small_mb = max(args.size_mb // 8, 8)
    start = time.perf_counter()
    root = generate(args.size_mb)
    small = generate(small_mb)
    print(f"# generated {args.size_mb} MB + {small_mb} MB in {time.perf_counter() - start:.1f}s under {DATA}", file=sys.stderr)
    jobs = os.cpu_count() or 1
    grep_floor(root)  # warm the page cache for both tools
    floor = min(grep_floor(root) for _ in range(2))
    elapsed, _, clients = run_child(root, jobs)
    ratio = elapsed / floor
    rate = args.size_mb / elapsed
    _line("usage.grep_floor_s", f"{floor:.2f}", "-", True)
    _line(f"usage.analyze_{args.size_mb}mb_jobs{jobs}_s", f"{elapsed:.2f}", "-", clients > 0)
    _line("usage.throughput_mb_s", f"{rate:.0f}", "-", True)
    _line("usage.ratio_to_grep", f"{ratio:.1f}", f"<={TARGET_RATIO:.0f}", ratio <= TARGET_RATIO)
    _, rss_small, _ = run_child(small, 1)
    _, rss_full, _ = run_child(root, 1)
    growth = rss_full - rss_small
    _line(f"usage.peak_rss_{small_mb}mb_serial_mb", f"{rss_small:.0f}", "-", True)
    _line(f"usage.peak_rss_{args.size_mb}mb_serial_mb", f"{rss_full:.0f}", "-", True)
    _line("usage.rss_growth_mb", f"{growth:.0f}", f"<={MEMORY_GROWTH_MB:.0f}", growth <= MEMORY_GROWTH_MB)
    if not args.keep:
        shutil.rmtree(DATA, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
