"""Start-up does only what the first screen needs (issue 14, W1): the
encryption libraries load when a scheme is first used, not at log-in."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tui import lean_imports
from tui.crypto import pgp
from tui.xmpp.account.signed_presence import SignedPresence
from tui.xmpp.conversation import encryption
from tui.xmpp.conversation.encryption import Encryption

ROOT = Path(__file__).resolve().parents[2]


def run_probe(probe: str) -> list[str]:
    """What ``probe`` prints, run in a fresh interpreter (nothing imported yet)."""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    return done.stdout.splitlines()


def slixmpp_installed_beside(tmp_path: Path, monkeypatch, *directories: str) -> None:
    """lean_imports finds slixmpp in ``tmp_path``, with these directories beside it."""
    (tmp_path / "slixmpp").mkdir()
    for name in directories:
        (tmp_path / name).mkdir()
    spec = importlib.util.spec_from_file_location("slixmpp", tmp_path / "slixmpp" / "__init__.py",
                                                  submodule_search_locations=[str(tmp_path / "slixmpp")])
    monkeypatch.setattr(lean_imports, "find_spec", lambda _name: spec)


class _Scheme:
    rooms = False

    def __init__(self, name: str) -> None:
        self.name = name


async def test_signed_presence_makes_only_the_schemes_that_sign():
    made: list[str] = []

    def factory(name):
        def make(_host):
            made.append(name)
            return _Scheme(name)
        return make

    had_pgp = "pgp" in encryption.registered()  # registered by other tests: it signs for real
    pgp.unregister()
    encryption.register("lazy-signer", factory("lazy-signer"), presence=True)
    encryption.register("lazy-other", factory("lazy-other"))
    try:
        assert "lazy-signer" in encryption.presence_schemes()
        assert "lazy-other" not in encryption.presence_schemes()
        # no scheme here has sign_presence: nothing is sent, and only the signer was made
        assert SignedPresence(session=None, encryption=Encryption("me@example.org")).send(None, None) is False
        assert made == ["lazy-signer"]
    finally:
        encryption.unregister("lazy-signer")
        encryption.unregister("lazy-other")
        if had_pgp:
            pgp.register()
    assert "lazy-signer" not in encryption.presence_schemes()


LOADED_ON_FIRST_USE = (
    "potr", "Crypto", "cffi", "pycparser",  # OTR: potr on pycryptodome (cffi parses its C declarations)
    "tui.crypto.pgp.scheme", "tui.crypto.pgp.gpg",  # PGP: made at log-in, for our signed presence
    "tui.crypto.ox.scheme", "tui.crypto.ox.signcrypt",  # OX: on /ox or the first OX message
    "urllib.request", "http.client",  # what xml.sax.saxutils would bring (~6 ms)
    "tui.xmpp.blog.markdown",  # the composer's markdown: on the first post
    "pygments",  # slixmpp's debug-log highlighter, never shown (tui/lean_imports.py)
    "html.entities",  # the blog's escaped-HTML entities (~0.4 MiB): on the first such post
    "pyperclip", "ctypes",  # the system clipboard (~0.3 MiB): on the first copy
    "importlib.metadata", "email",  # slixmpp's version, read from its dist-info's name (tui/lean_imports.py)
    "gnupg",  # python-gnupg: our PGP's, on first use (slixmpp's legacy plugin gets its bundled copy)
    "zipfile",  # importlib.resources' readers: the key maps are read as files
    "textual.widgets._text_area",  # the multi-line composer (~0.5 MiB): when first opened
    "tui.commands.builtin", "tui.commands.muc_admin",  # the commands (~0.3 MiB): at the first one asked about
)


def test_the_app_and_its_schemes_load_without_the_crypto_libraries():
    """Importing the app, registering every scheme and building the commands
    (what a start does before the first frame and log-in) loads none of the
    schemes' implementations nor their libraries, nor what LOADED_ON_FIRST_USE
    lists; PGP, the scheme that signs presences, is the one registered for them."""
    probe = (
        "import sys, screens.app, tui.launch\n"
        "from tui.commands import build_registry\n"
        "from tui.crypto import register_schemes\n"
        "from tui.xmpp.conversation import encryption\n"
        "register_schemes()\n"
        "build_registry()\n"
        "print(','.join(encryption.presence_schemes()))\n"
        f"print(','.join(sorted(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules)))\n"
    )
    presence, loaded = run_probe(probe)
    assert presence == "pgp"
    assert loaded == ""


@pytest.mark.parametrize("first", ["tui.xmpp.account.session", "tui.commands.contacts", "tui.client"])
def test_slixmpp_comes_without_its_highlighter_whichever_module_imports_it_first(first):
    """slixmpp's debug-log highlighter (pygments and six lexers: ~2.8 MiB,
    ~20 ms of the start) is not loaded, whichever of our modules is the
    first to import slixmpp; pygments itself stays importable afterwards."""
    probe = (
        f"import sys, {first}\n"
        "from slixmpp.xmlstream import highlight\n"
        "print('slixmpp' in sys.modules, 'pygments' in sys.modules, highlight('<x/>'))\n"
        "import pygments.lexers\n"
        "print(pygments.lexers.get_lexer_by_name('xml').name)\n"
    )
    assert run_probe(probe) == ["True False <x/>", "XML"]


def test_slixmpp_has_its_own_version_and_our_pgp_the_real_gnupg():
    """slixmpp imported the lean way still says the version its metadata
    says (its capabilities node carries it), and python-gnupg, hidden from
    slixmpp's legacy plugin, is what ``import gnupg`` gives afterwards."""
    probe = (
        "import sys, tui.xmpp, slixmpp, slixmpp.version\n"
        "print('importlib.metadata' in sys.modules)\n"
        "print(slixmpp.__version__, slixmpp.version.__version__, *slixmpp.__version_info__)\n"
        "import gnupg, slixmpp.thirdparty\n"
        "print(gnupg.__file__.endswith('site-packages/gnupg.py'), hasattr(gnupg.GPG, 'list_keys'))\n"
        "print(slixmpp.thirdparty.GPG.__module__)\n"
        "from importlib.metadata import version\n"
        "print(version('slixmpp'))\n"
    )
    metadata_loaded, versions, gnupg, legacy_gnupg, metadata = run_probe(probe)
    assert metadata_loaded == "False"
    release = metadata.split(".")[:3]
    assert versions.split() == [metadata, metadata, *release]
    assert gnupg == "True True"
    assert legacy_gnupg == "slixmpp.thirdparty.gnupg"


@pytest.mark.parametrize("names", [[], ["slixmpp-1.17.0.dist-info", "slixmpp-1.16.0.dist-info"],
                                   ["slixmpp-1.18.0rc1.dist-info"]])
def test_slixmpp_reads_its_metadata_itself_when_its_directory_is_not_clear(tmp_path, monkeypatch, names):
    """No dist-info directory (a source checkout), two (a stale one left
    behind), or a version slixmpp would warn about: no version is made up."""
    slixmpp_installed_beside(tmp_path, monkeypatch, *names)
    assert lean_imports.slixmpp_version_module() is None


def test_the_version_module_is_made_from_one_clear_directory(tmp_path, monkeypatch):
    slixmpp_installed_beside(tmp_path, monkeypatch, "slixmpp-2.3.4.dist-info", "other-1.0.0.dist-info")
    module = lean_imports.slixmpp_version_module()
    assert module is not None
    assert (module.__name__, module.__version__, module.__version_info__) == ("slixmpp.version", "2.3.4", (2, 3, 4))


async def test_a_plain_message_makes_neither_pgp_nor_ox():
    """Their recognisers answer from the stanza: the schemes (gpg's door, the
    keys) are made for an encrypted message, not for the first message."""
    from slixmpp import Message

    from tui.crypto import ox
    from tui.crypto.pgp import ENCRYPTED
    from tui.xmpp.conversation.encryption import Peer

    plain, pgp_message, ox_message = Message(), Message(), Message()
    plain["body"] = "hello"
    pgp_message.xml.append(ET.Element(f"{{{ENCRYPTED}}}x"))
    ox_message.xml.append(ET.Element(f"{{{ox.NS}}}openpgp"))
    assert not pgp.may_be_pgp(plain) and not ox.may_be_ox(plain)
    assert pgp.may_be_pgp(pgp_message) and not ox.may_be_ox(pgp_message)
    assert ox.may_be_ox(ox_message) and not pgp.may_be_pgp(ox_message)

    made: list[str] = []
    for scheme in (pgp, ox):
        encryption.register(scheme.NAME, lambda _host, name=scheme.NAME: made.append(name),
                            may_be=getattr(scheme, f"may_be_{scheme.NAME}"))
    try:
        account = Encryption("me@example.org")
        assert (await account.decrypt(Peer("me@example.org", "them@example.org"), plain)).scheme is None
        assert made == []
    finally:
        pgp.register()
        ox.register()


async def test_a_message_that_cannot_be_a_schemes_does_not_make_it():
    """Decrypting asks a scheme's cheap ``may_be`` first: OTR (potr,
    pycryptodome) is made on the first OTR message, not on the first message."""
    from slixmpp import Message

    from tui.crypto.otr import may_be_otr
    from tui.xmpp.conversation.encryption import Peer

    made: list[str] = []

    class Picky(_Scheme):
        def recognises(self, stanza) -> bool:
            return stanza["body"].startswith("?PICKY")

        async def decrypt(self, peer, stanza):
            return "opened"

    def make(_host):
        made.append("picky")
        return Picky("picky")

    encryption.register("picky", make, may_be=lambda stanza: stanza["body"].startswith("?PICKY"))
    try:
        account = Encryption("me@example.org")
        peer = Peer("me@example.org", "them@example.org")
        plain = Message()
        plain["body"] = "hello"
        assert (await account.decrypt(peer, plain)).scheme is None
        assert made == []
        mine = Message()
        mine["body"] = "?PICKY secret"
        assert (await account.decrypt(peer, mine)).text == "opened"
        assert made == ["picky"]
    finally:
        encryption.unregister("picky")

    chat, room = Message(), Message()
    chat["type"], room["type"] = "chat", "groupchat"
    chat["body"] = room["body"] = "?OTRv2?"
    assert may_be_otr(chat) and not may_be_otr(room)
    chat["body"] = "hi \t  \t\t\t\t \t \t \t    \t\t  \t "  # whitespace-tagged plaintext
    assert may_be_otr(chat)
    chat["body"] = "hello"
    assert not may_be_otr(chat)

