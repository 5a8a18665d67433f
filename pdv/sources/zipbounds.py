"""Bounds on an untrusted zip container (.xlsx, .ods, .docx), checked before any reader opens it.

Every member is inflated here once, in small chunks, whether or not a reader would use it: the
sizes a zip declares are the attacker's to choose, so only the real inflated size counts, with a cap
per member and per file. Two members with the same name, a size or CRC that differs from the
declared one, encryption or an unknown compression method make the file corrupt.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 16
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zipfile's sizeFileHeader layout
RATIO_LIMIT = 200  # inflated/compressed for the whole file; real workbooks stay far below


class ZipRejected(Exception):
    """The container is rejected; ``rule`` is ``file.unreadable`` or ``file.too_large``."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class ZipLimits:
    member_bytes: int  # real inflated size of one member
    total_bytes: int  # real inflated size of all members together


def limits_for(max_file_bytes: int, file_size: int) -> ZipLimits:
    """The caps for a file of ``file_size`` bytes under the settings' file-size bound."""
    total = min(max_file_bytes * 10, max(file_size, 1) * RATIO_LIMIT)
    return ZipLimits(member_bytes=min(total, max_file_bytes * 4), total_bytes=total)


def _corrupt(detail: str) -> ZipRejected:
    return ZipRejected("file.unreadable", f"tệp nén hỏng / corrupt zip: {detail}")


def _too_large(name: str, size: int, limit: int) -> ZipRejected:
    what = name or "tệp / the file"
    return ZipRejected("file.too_large", f"giải nén {what} vượt {limit} bytes / inflates beyond {limit} bytes ({size})")


def check_zip(path: Path, limits: ZipLimits) -> list[str]:
    """Member names of a zip within ``limits``, or ``ZipRejected`` (never inflates past a cap)."""
    try:
        with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                dup = next(n for n in names if names.count(n) > 1)
                raise _corrupt(f"hai phần cùng tên {dup} / duplicate member {dup}")
            declared = sum(i.file_size for i in infos)
            if declared > limits.total_bytes or any(i.file_size > limits.member_bytes for i in infos):
                raise _too_large("", declared, limits.total_bytes)  # said so itself: nothing to inflate
            total = 0
            for info in infos:
                total += _inflated_size(fh, info, limits, limits.total_bytes - total)
            return names
    except ZipRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, struct.error) as exc:
        raise _corrupt(str(exc)) from exc


def _inflated_size(fh: BinaryIO, info: zipfile.ZipInfo, limits: ZipLimits, left: int) -> int:
    """Inflate one member from its raw bytes, counting; stop at the first byte over a cap."""
    if info.flag_bits & 0x1:
        raise _corrupt(f"{info.filename} được mã hóa / {info.filename} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _corrupt(f"{info.filename}: phương thức nén {info.compress_type} / compression method")
    fh.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
    if header[0] != b"PK\x03\x04":
        raise _corrupt(f"{info.filename}: bad local header")
    fh.seek(header[9] + header[10], 1)  # file name and extra field
    cap = min(limits.member_bytes, left)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    remaining, size, crc = info.compress_size, 0, 0
    while remaining > 0 or (inflate is not None and inflate.unconsumed_tail):
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.decompress(inflate.unconsumed_tail, _CHUNK)
        else:
            raw = fh.read(min(_CHUNK, remaining))
            if not raw:
                raise _corrupt(f"{info.filename}: truncated")
            remaining -= len(raw)
            data = inflate.decompress(raw, _CHUNK) if inflate is not None else raw
        size += len(data)
        if size > cap:
            raise _too_large(info.filename, size, cap)
        crc = zlib.crc32(data, crc)
        if inflate is not None and inflate.eof:
            break
    if inflate is not None:
        tail = inflate.flush(_CHUNK)
        size += len(tail)
        crc = zlib.crc32(tail, crc)
        if size > cap:
            raise _too_large(info.filename, size, cap)
    if size != info.file_size or crc != info.CRC:
        raise _corrupt(f"{info.filename}: kích thước hoặc CRC sai / size or CRC differs from the declared one")
    return size
