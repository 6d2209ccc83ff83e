"""The code ``dataclasses`` generates, compiled once and kept between launches
(issue 14, W1).

Each ``@dataclass`` writes the source of its methods (``__init__``,
``__repr__``, ``__eq__``, a frozen class's ``__setattr__`` ...) and hands it
to ``exec``, which compiles it: up to six compilations a class.  The ~170
dataclasses of Parlons, Textual, Rich, aiodns and pycares that a launch
creates before its first frame (~630 sources) cost ~50 ms of CPU that way,
a tenth of the launch, for code that is the same at every launch.

So, in the real app only (``tui/cli.py``), the ``exec`` that the
``dataclasses`` module calls is ours for the start-up: it takes the code
object compiled for the same source at an earlier launch from a file in the
cache directory, and compiles what it does not find there as ``exec`` would
(no compiler flags inherited: the ``dataclasses`` module has none).  Once
the face is imported (``tui/launch.py``), ``exec`` is the builtin again and
the file is let go.  When anything had to be compiled, the file is
rewritten off the loop with the code this start used and the file's other
code: which sources come before the face is imported varies a little from
start to start (imports on the loop's side race the face's: 24 of 652 in
one test run), and a file of one start's code only would be rewritten at
every other start.  The file's other code is dropped once more of it went
unused than the start used, so across upgrades the file stays under twice
a start's code.

The file is code that runs: it is read only when it belongs to the user and
nobody else may write to it (as the config's secrets are checked), it is
written 0600 in a 0700 directory, and its name and first field say which
bytecode it holds (another Python's is not read).  A file that cannot be
read, is damaged or is of another format is ignored, and rewritten.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import logging
import marshal
import mmap
import os
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

log = logging.getLogger(__name__)

FORMAT = "parlons dataclass code 2"
FILE_NAME = f"dataclass-code.{sys.implementation.cache_tag}.marshal"
_HEADER_SIZE = 4  # the length of the index, little-endian


def cache_path(cache_dir: Path) -> Path:
    return cache_dir / FILE_NAME


def _key(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def file_pieces(blobs: dict[bytes, bytes]) -> list[bytes]:
    """The file, in pieces: the index's length and the index (marshalled:
    the format, the bytecode's magic number, {digest: (offset, length)}),
    then each source's code, marshalled, one after the other.  (Joined, the
    file's ~0.5 MB was copied twice in memory: +1 MiB at the peak of a
    start that compiled.)"""
    index, offset = {}, 0
    for key, blob in blobs.items():
        index[key] = (offset, len(blob))
        offset += len(blob)
    header = marshal.dumps((FORMAT, MAGIC_NUMBER, index))
    return [len(header).to_bytes(_HEADER_SIZE, "little") + header, *blobs.values()]


class CodeCache:
    """Compiled sources by digest; ``exec`` for the ``dataclasses`` module
    while installed.

    The file is mapped, not read: each code is unmarshalled from its place
    in the mapping when its source comes (the file's ~0.5 MB in the heap
    would stay there after the start: +0.6 MiB at W1's peak)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._codes: memoryview | None = None  # the mapping after the index
        self._index: dict[bytes, tuple[int, int]] = {}
        self.used: dict[bytes, bytes | tuple[int, int]] = {}  # marshalled code, or its place in the file
        self.compiled = 0  # sources not found in the file
        self.found = 0  # sources found there
        self.installed = False

    # -- reading -------------------------------------------------------------------
    def load(self) -> None:
        """Map the file, when it is ours, private and of this Python."""
        try:
            with open(self.path, "rb") as file:
                status = os.fstat(file.fileno())
                if status.st_uid != os.getuid() or status.st_mode & 0o022:
                    log.warning("ignoring %s: not the user's own private file", self.path)
                    return
                self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # none yet, unreadable (then rewritten) or empty
            return
        view = memoryview(self._map)
        try:
            size = int.from_bytes(view[:_HEADER_SIZE], "little")
            kind, magic, index = marshal.loads(view[_HEADER_SIZE:_HEADER_SIZE + size])
        except (ValueError, EOFError, TypeError):
            kind = magic = index = None
        if kind != FORMAT or magic != MAGIC_NUMBER or not isinstance(index, dict):
            log.info("ignoring %s: damaged or of another version", self.path)
            view.release()
            self._close()
            return
        self._codes = view[_HEADER_SIZE + size:]
        view.release()
        self._index = index

    def _code_at(self, place: Any) -> CodeType | None:
        """The code at ``place`` in the file; None if the place or the code is damaged."""
        blob = self._blob(place) if isinstance(place, tuple) else None
        if blob is None:
            return None
        try:
            code = marshal.loads(blob)
        except (ValueError, EOFError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def _close(self) -> None:
        codes, self._codes = self._codes, None
        mapping, self._map = self._map, None
        self._index = {}
        if codes is not None:
            codes.release()
        if mapping is not None:
            try:
                mapping.close()
            except BufferError:  # another thread's exec still reads its code: unmapped when it lets go
                pass

    # -- the exec of the dataclasses module -----------------------------------------
    def exec(self, source: Any, globals: dict | None = None, locals: dict | None = None) -> None:
        if not isinstance(source, str):
            return builtins.exec(source, globals, locals)
        key = _key(source)
        known = self.used.get(key) or self._index.get(key)  # (sources repeat: ~5 % of them)
        code = marshal.loads(known) if isinstance(known, bytes) else self._code_at(known)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            known = marshal.dumps(code)
            self.compiled += 1
        else:
            self.found += 1
        self.used[key] = known  # type: ignore[assignment]  # (a place when the code was found)
        return builtins.exec(code, globals, locals)

    def install(self) -> None:
        if "exec" not in vars(dataclasses):
            dataclasses.exec = self.exec  # type: ignore[attr-defined]
            self.installed = True

    def uninstall(self) -> None:
        """``exec`` is the builtin again and the file is let go.  When
        anything was compiled, what ``save`` is to write is left in ``used``:
        what this start used, and the file's other code unless more of it
        went unused than this start used; otherwise nothing is."""
        if self.installed and vars(dataclasses).get("exec") == self.exec:
            del dataclasses.exec  # type: ignore[attr-defined]
            log.info("dataclass code at start-up: %d of %d compiled", self.compiled, len(self.used))
        self.installed = False
        if not self.compiled:
            self.used = {}
        elif self._codes is not None:
            keep = dict(self.used)
            unused = [key for key in self._index if key not in keep]
            if len(unused) <= len(keep):
                keep.update((key, self._index[key]) for key in unused)
            self.used = {key: blob for key, known in keep.items() if (blob := self._blob(known)) is not None}
        self._close()

    def _blob(self, known: bytes | tuple[int, int]) -> bytes | None:
        """The marshalled code: ``known`` itself, or copied from its place in
        the file (None: a place out of the file's bounds)."""
        if isinstance(known, bytes):
            return known
        codes = self._codes
        if codes is None or not isinstance(known, tuple) or len(known) != 2:
            return None
        offset, length = known
        if not (isinstance(offset, int) and isinstance(length, int) and 0 <= offset <= offset + length <= len(codes)):
            return None
        return bytes(codes[offset:offset + length])

    # -- writing -------------------------------------------------------------------
    def save(self) -> bool:
        """Rewrite the file with what ``uninstall`` left in ``used``, when any
        code had to be compiled; True when written.  Blocking: in a thread."""
        from .paths import write_private

        used, self.used = self.used, {}
        if not self.compiled or self.installed:
            return False
        blobs = {key: known for key, known in used.items() if isinstance(known, bytes)}
        try:
            write_private(self.path, file_pieces(blobs))
        except OSError as exc:
            log.info("cannot write %s: %s", self.path, exc.strerror)
            return False
        log.info("dataclass code kept in %s", self.path)
        return True


def start(cache_dir: Path) -> CodeCache:
    """A cache read from ``cache_dir`` and installed."""
    cache = CodeCache(cache_path(cache_dir))
    cache.load()
    cache.install()
    return cache
