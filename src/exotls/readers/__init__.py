"""The format layer: bytes in, neutral values out (see ``values``).

``read(path)`` sniffs the encoding from the bytes and the format from the content,
never from the file extension, and returns a ``Document``. Every failure is a
``ReadError`` naming the file and, where known, the line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from exotls.errors import ExotlsError, ReadError
from exotls.readers.values import (
    DEFAULT,
    Document,
    Format,
    PSObject,
    RegKey,
    RegValue,
    ScriptBlock,
    SecureString,
    Version,
    strip_deserialized,
)

__all__ = [
    "DEFAULT",
    "MAX_WHOLE_READ",
    "Document",
    "Format",
    "PSObject",
    "RegKey",
    "RegValue",
    "ScriptBlock",
    "SecureString",
    "Version",
    "read",
    "read_bytes",
    "strip_deserialized",
]


# Files read whole (all but streamed CLIXML) stop here: real exports are far smaller, and a
# bigger file (a wrong file, a device, a crafted one) must not exhaust memory.
MAX_WHOLE_READ = 256 * 1024 * 1024


def read(path: str | Path, *, stream: bool = False) -> Document:
    """Read one export file.

    With ``stream=True`` a CLIXML file is parsed lazily: ``Document.objects`` is then an
    iterator that yields one top-level object at a time, so memory stays flat however
    large the file is. Other formats are always read whole, up to ``MAX_WHOLE_READ`` bytes.
    """
    name = str(path)
    try:
        kind = os.stat(path).st_mode
        if not stat.S_ISREG(kind):
            # Opening a FIFO blocks until a writer comes; a device can be endless.
            what = "a folder" if stat.S_ISDIR(kind) else "a FIFO, socket or device"
            raise ReadError(f"not a regular file ({what}): not read", path=name)
        if stream:
            from exotls.readers.clixml import stream_clixml_file

            streamed = stream_clixml_file(name)
            if streamed is not None:
                return streamed
        with open(path, "rb") as handle:
            # The size check comes first for files; the bounded read also stops devices and growing files.
            too_big = os.fstat(handle.fileno()).st_size > MAX_WHOLE_READ
            data = b"" if too_big else handle.read(MAX_WHOLE_READ + 1)
    except ExotlsError as err:
        raise err.at(name) from None
    except OSError as err:
        raise ReadError(f"cannot read file: {err.strerror or err}", path=name) from None
    except MemoryError:
        raise ReadError("file is too large to read in memory", path=name) from None
    if too_big or len(data) > MAX_WHOLE_READ:
        raise ReadError(
            f"file is larger than {MAX_WHOLE_READ >> 20} MB, too large to read whole (only plain CLIXML "
            "is streamed, by exotls analyze): export fewer objects per file",
            path=name,
        )
    return read_bytes(data, name)


def read_bytes(data: bytes, path: str = "<bytes>") -> Document:
    """Read an export held in memory; ``path`` is only used to name the source."""
    from exotls.readers.encoding import decode
    from exotls.readers.sniff import detect_format

    try:
        decoded = decode(data)
        fmt = detect_format(decoded.text)
        if fmt in ("clixml", "clixml-stream"):
            from exotls.readers.clixml import read_clixml

            return read_clixml(decoded, path)
        if fmt == "json":
            from exotls.readers.jsonfile import read_json

            return read_json(decoded, path)
        if fmt == "reg":
            from exotls.readers.regfile import read_reg

            return read_reg(decoded, path)
        from exotls.readers.formatlist import read_format_list

        return read_format_list(decoded, path)
    except ExotlsError as err:
        raise err.at(path) from None
    except RecursionError:
        raise ReadError("nesting is too deep to read", path=path) from None
    except MemoryError:
        raise ReadError("file is too large to read in memory", path=path) from None
