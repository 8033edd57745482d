"""JSON: the contract, byte-identical for equal reports, model field order, no clock."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from exotls.model import Report
from exotls.report import jsonout, render
from exotls.report.jsonout import json_chunks
from report_samples import HOSTILE_NAME, sample_report


def test_byte_identical_for_equal_reports() -> None:
    a, b = sample_report(), sample_report()
    assert a is not b and a == b
    assert render(a, "json").encode("utf-8") == render(b, "json").encode("utf-8")


def test_differs_when_the_report_differs() -> None:
    assert render(sample_report(), "json") != render(sample_report(as_of=dt.date(2025, 3, 2)), "json")


def test_round_trips_to_an_equal_report() -> None:
    text = render(sample_report(first_name=HOSTILE_NAME), "json")
    assert Report.model_validate_json(text) == sample_report(first_name=HOSTILE_NAME)


def test_shape_order_and_formatting() -> None:
    text = render(sample_report(), "json")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "schema_version": "1.0",\n  "tool": {\n    "name": "exotls",\n    "version": "0.1.0"')
    data = json.loads(text)
    assert list(data) == list(Report.model_fields)
    assert data["as_of"] == "2025-03-01" and data["releases_as_of"] == "2025-02-11"
    # the three SCHANNEL states survive: value, null (absent value), key missing (not covered)
    ex02 = data["servers"][1]["schannel"]
    assert ex02["TLS 1.2"]["Server"] == {"Enabled": 0, "DisabledByDefault": 1}
    assert ex02["TLS 1.0"]["Server"] == {"Enabled": None, "DisabledByDefault": None}
    assert "TLS 1.3" not in ex02
    assert data["organization"]["settings"]["AllowLegacyTLSClients"] is True


def test_no_wall_clock_anywhere() -> None:
    """Every date in the output is one the report holds; no time of day at all."""
    text = render(sample_report(usage=False), "json")
    assert set(re.findall(r"\d{4}-\d{2}-\d{2}", text)) == {"2025-03-01", "2025-02-11", "2024-11-12"}
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)


def test_unicode_kept_readable() -> None:
    text = render(sample_report(first_name="SRV-Zürich"), "json")
    assert '"name": "SRV-Zürich"' in text


# --- written in pieces (what `exotls analyze -f json` streams to its output) -------------


def _pydantic_text(report: Report) -> bytes:
    """The oracle: pydantic's own one-buffer serialization, as render_json once was."""
    return (report.model_dump_json(indent=2) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    "report",
    [
        sample_report(),
        sample_report(first_name=HOSTILE_NAME, usage=False),
        sample_report(first_name="SRV-Zürich-東京"),
        Report(tool=sample_report().tool, as_of=dt.date(2025, 3, 1)),  # every growing list empty
    ],
    ids=["sample", "hostile", "non-ascii", "empty"],
)
def test_pieces_join_to_pydantics_own_text(report: Report) -> None:
    pieces = list(json_chunks(report))
    assert b"".join(pieces) == _pydantic_text(report)
    assert render(report, "json").encode("utf-8") == _pydantic_text(report)
    for piece in pieces:
        piece.decode("utf-8")  # each piece stands alone: a fallback writer decodes them one by one


def test_lists_longer_than_one_slice_join_exactly() -> None:
    base = sample_report(first_name="SRV-Zürich")
    count = 2 * jsonout._SLICE + 3  # two full slices and a partial one in each list
    report = base.model_copy(
        update={
            "inputs": [base.inputs[i % len(base.inputs)] for i in range(count)],
            "servers": [base.servers[i % len(base.servers)] for i in range(count + 1)],
            "findings": [base.findings[i % len(base.findings)] for i in range(jsonout._SLICE)],
        }
    )
    pieces = list(json_chunks(report))
    assert b"".join(pieces) == _pydantic_text(report)
    assert len(pieces) > 8  # really written in slices, not in one buffer
    data = json.loads(b"".join(pieces))
    assert [len(data[k]) for k in ("inputs", "servers", "findings")] == [count, count + 1, jsonout._SLICE]
