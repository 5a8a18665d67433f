"""The one walk of the raw directory that ``pdv run`` and ``pdv validate`` share.

Inputs are regular files inside the raw directory and nothing else. The walk never follows a
symbolic link and never opens what it reports: a link, device, FIFO or socket, a name that is not
UTF-8, a path too deep or too long, or a file or folder nobody may read becomes an ``Entry`` with a
``problem`` (a ``file.*`` rule and its detail), so the run records it as a file-level issue and reads
the other files.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 16  # folders below the raw directory; real trees are year/month deep
MAX_REL_CHARS = 1000  # a relative path longer than this is not opened (PATH_MAX is 4,096 bytes)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_READ_BITS = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class Entry:
    """One thing found under the root: a regular file to read, or a problem to report."""

    path: Path
    rel: str  # POSIX path relative to the raw directory, printable (bad bytes as \\xNN)
    problem: tuple[str, str] | None = None  # (rule, detail)
    is_dir: bool = False


def display_name(name: str) -> str:
    """A file-system name as printable text: bytes that are not UTF-8, and controls, become ``\\xNN``."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)  # an ESC in a name reaches logs too


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept the bad bytes as surrogates
        return False
    return True


def _kind_problem(st: os.stat_result) -> tuple[str, str] | None:
    if stat.S_ISLNK(st.st_mode):
        return "file.not_regular", "liên kết tượng trưng (symlink), không được mở / symbolic link, not opened"
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        if not st.st_mode & _READ_BITS:  # mode 000: root could read it, but nobody is meant to
            return "file.no_permission", "không có quyền đọc / no read permission"
        return None
    what = (
        "FIFO"
        if stat.S_ISFIFO(st.st_mode)
        else "thiết bị / device"
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else "socket"
    )
    return "file.not_regular", f"không phải tệp thông thường ({what}) / not a regular file"


def check_entry(path: Path, rel: str, depth: int) -> tuple[str, str] | None:
    """Why ``path`` (found at ``depth`` below the root) must not be opened; None if it may."""
    name = path.name
    if not _is_utf8(name):
        return "file.bad_path", "tên tệp không phải mã UTF-8 / file name is not valid UTF-8"
    if depth > MAX_DEPTH:
        return "file.bad_path", f"thư mục lồng quá {MAX_DEPTH} cấp / nested deeper than {MAX_DEPTH} folders"
    if len(rel) > MAX_REL_CHARS:
        return "file.bad_path", f"đường dẫn dài quá {MAX_REL_CHARS} ký tự / path longer than {MAX_REL_CHARS} characters"
    try:
        st = os.lstat(path)
    except PermissionError:
        return "file.no_permission", "không có quyền đọc / no read permission"
    except OSError as exc:
        return "file.unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"
    return _kind_problem(st)


def walk(root: Path, prefix: str = "", depth: int = 0) -> list[Entry]:
    """Every regular file under ``root`` and every problem, in path order.

    ``prefix`` starts each rel and ``depth`` is the root's own depth below the raw directory.
    """
    out: list[Entry] = []
    # Iterative, so a tree of thousands of folders is a reported problem, not a RecursionError.
    stack: list[tuple[Path, str, int]] = [(root, prefix, depth)]
    while stack:
        folder, rel_dir, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it)
        except PermissionError:
            denied = ("file.no_permission", "không có quyền đọc thư mục / folder not readable")
            out.append(Entry(folder, rel_dir.rstrip("/"), denied, True))
            continue
        except OSError as exc:
            failed = ("file.unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
            out.append(Entry(folder, rel_dir.rstrip("/"), failed, True))
            continue
        subdirs: list[tuple[Path, str, int]] = []
        for name in names:
            path = folder / name
            rel = rel_dir + display_name(name)
            problem = check_entry(path, rel, depth + 1)
            try:
                is_dir = stat.S_ISDIR(os.lstat(path).st_mode)
            except OSError:
                is_dir = False
            if problem is not None:
                out.append(Entry(path, rel, problem, is_dir))
            elif is_dir:
                subdirs.append((path, rel + "/", depth + 1))
            else:
                out.append(Entry(path, rel))
        stack.extend(reversed(subdirs))
    return sorted(out, key=lambda e: e.rel)


def walk_paths(paths: list[Path], raw_dir: Path) -> list[Entry]:
    """``pdv validate``'s explicit files and folders, walked the same way (rels relative to ``raw_dir``).

    A path outside ``raw_dir`` is named by its own name (folders: the folder's name as prefix).
    """
    out: list[Entry] = []
    root = Path(os.path.abspath(raw_dir))
    for given in paths:
        path = Path(os.path.abspath(given))  # not resolve(): a link must stay a link
        try:
            rel = "/".join(display_name(part) for part in path.relative_to(root).parts) or "."
        except ValueError:
            rel = display_name(path.name)
        depth = 0 if rel == "." else rel.count("/") + 1
        problem = check_entry(path, rel, depth) if rel != "." else None
        parent = path.parent
        while problem is None and parent != root and root in parent.parents:  # a linked folder on the way
            if parent.is_symlink():
                problem = check_entry(parent, rel, depth)
            parent = parent.parent
        if problem is not None:
            out.append(Entry(path, rel, problem))
        elif path.is_dir():
            out += walk(path, "" if rel == "." else rel + "/", depth)
        else:
            out.append(Entry(path, rel))
    return out
