"""detect_usage_file: cheap, content-based, never raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.usage import detect_usage_file

FIX = Path(__file__).parent / "fixtures" / "usage"


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("EX01/TransportRoles/Logs/FrontEnd/ProtocolLog/SmtpReceive/RECV2024030410-1.LOG", "smtp-receive"),
        ("EX01/TransportRoles/Logs/FrontEnd/ProtocolLog/SmtpSend/SEND2024030410-1.LOG", "smtp-send"),
        ("EX01/inetpub/logs/LogFiles/W3SVC1/u_ex240304.log", "iis"),
        ("EX01/Events/Schannel-GetWinEvent.xml", "schannel-clixml"),
        ("EX02/Events/schannel-geteventlog.xml", "schannel-clixml"),
        ("EX02/Events/schannel-wevtutil.xml", "schannel-xml"),
        ("exo/SmtpAuthClientsReport.csv", "exo-smtp-auth"),
        ("exo/InboundMessagesReport.csv", "exo-messages"),
        ("headers/scanned-document.eml", "message-header"),
    ],
)
def test_each_fixture_kind(relative: str, kind: str) -> None:
    assert detect_usage_file(FIX / relative) == kind


def test_not_usage_files(tmp_path: Path) -> None:
    cases = {
        "empty.log": b"",
        "binary.bin": bytes(range(256)) * 4,
        "config.xml": b'<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>x</S></Objs>',
        "notes.txt": b"hello world\n",
        "mail.txt": b"Subject: hi\nFrom: a@b\n\nno Received header\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert detect_usage_file(tmp_path / name) is None, name
    assert detect_usage_file(tmp_path / "missing.log") is None
    assert detect_usage_file(tmp_path) is None  # a folder


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_never_raises_on_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x"
    path.write_bytes(data)
    result = detect_usage_file(path)
    assert result is None or isinstance(result, str)
