"""Libraries imported without what they load for nothing (issue 14, W1).

slixmpp, when imported, loads three things Parlons never uses:

- its debug log's highlighter: ``xmlstream.tostring`` builds a pygments
  highlighter (pygments, its XML lexer and the five lexers that one pulls
  in: ~2.8 MiB of the process and ~20 ms of the start).  Parlons writes
  slixmpp's debug log to its log file only (tui/logging_setup.py), where
  terminal colours have no place, and slixmpp falls back to plain text when
  pygments cannot be imported.
- ``importlib.metadata``, to read its own version (``slixmpp.version``):
  with the email parser, zipfile and csv it brings, ~1 MiB and ~10 ms.
  The version is the one in the name of its installed distribution's
  directory (``slixmpp-1.17.0.dist-info``: what the metadata says, by the
  wheel format), so ``slixmpp.version`` is made from that when there is
  exactly one such directory next to the package, and imported as usual
  otherwise.
- python-gnupg, for its legacy OpenPGP plugin (XEP-0027; Parlons has its
  own, tui/crypto/pgp, which imports gnupg when PGP is first used):
  ``slixmpp.thirdparty`` falls back to its own bundled copy when gnupg
  cannot be imported, and that copy does not bring the email package
  (~0.6 MiB less).

So slixmpp is imported first, with pygments and gnupg made unimportable for
that import only (by ``tui.xmpp``, the package every module of ours that
uses slixmpp is in or imports first): whatever asks for them later (rich's
syntax highlighting, Textual's, our PGP) imports them as usual.
"""

from __future__ import annotations

import re
import sys
import types
from importlib.util import find_spec
from pathlib import Path

HIDDEN = ("pygments", "gnupg")
_RELEASE = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def import_slixmpp() -> None:
    """Import slixmpp, without its debug log's highlighter, importlib.metadata
    and python-gnupg. Idempotent."""
    if "slixmpp" in sys.modules:
        return
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import -> ImportError
    version = None
    if "slixmpp.version" not in sys.modules:
        version = slixmpp_version_module()
        if version is not None:
            sys.modules["slixmpp.version"] = version
    try:
        import slixmpp
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    if version is not None:
        slixmpp.version = version  # what importing it would have set


def slixmpp_version_module() -> types.ModuleType | None:
    """``slixmpp.version`` as slixmpp makes it (``__version__``,
    ``__version_info__``), from its distribution's directory name; None when
    that is not one clear ``slixmpp-X.Y.Z.dist-info`` (then slixmpp reads
    its metadata itself)."""
    spec = find_spec("slixmpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    found = list(package.parent.glob("slixmpp-*.dist-info"))
    if len(found) != 1:
        return None
    number = found[0].name[len("slixmpp-"):-len(".dist-info")]
    release = _RELEASE.fullmatch(number)
    if release is None:  # e.g. a pre-release: slixmpp warns about those itself
        return None
    module = types.ModuleType("slixmpp.version")
    module.__dict__.update(__version__=number, __version_info__=tuple(int(part) for part in release.groups()))
    return module
