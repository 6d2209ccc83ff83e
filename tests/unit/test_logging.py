"""tui.logging_setup: a file only, and no secret ever reaches it."""

from __future__ import annotations

import base64
import logging
import logging.handlers
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from tests.harness.logging_state import preserved_logging

from tui import logging_setup
from tui.logging_setup import add_secret, redact, setup_logging

PASSWORD = "hunter2-<&>'\"-pw"
USER = "alice"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    with preserved_logging():
        yield


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def sasl_plain(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


def test_password_and_its_sasl_plain_form_never_reach_the_file(tmp_path: Path, restore_logging: None) -> None:
    log_path = setup_logging(tmp_path / "state", debug=True, secrets=[PASSWORD])
    payload = sasl_plain(USER, PASSWORD)
    stream = logging.getLogger("slixmpp.xmlstream.xmlstream")
    # As slixmpp 1.17 logs stanzas (xmlstream.send_raw / __read_xml).
    stream.debug("SEND: %s", f"<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">{payload}</auth>")
    stream.debug("RECV: %s", "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1meWtv</challenge>")
    stream.debug("SEND: <response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>Yz1iaXdz\nLHI9</response>")
    stream.debug("RECV: <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1ybUY5</success>")
    escaped = PASSWORD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stream.debug("SEND: <iq><query xmlns='jabber:iq:register'><password>%s</password></query></iq>", escaped)
    logging.getLogger("tui.test").info("in message: " + PASSWORD)
    logging.getLogger("tui.test").info("in args: %s and %r", PASSWORD, {"pw": PASSWORD})
    try:
        raise RuntimeError(f"login failed with {PASSWORD}")
    except RuntimeError:
        logging.getLogger("tui.test").exception("exception text")
    logging.getLogger("tui.test").warning("stack", stack_info=True, extra={})

    text = read_log(log_path)
    assert "SEND: <auth" in text and "exception text" in text and "in args" in text
    assert "RuntimeError: login failed with ***" in text
    for secret in (PASSWORD, payload, escaped, "cj1meWtv", "Yz1iaXdz", "LHI9", "dj1ybUY5",
                   base64.b64encode(PASSWORD.encode()).decode()):
        assert secret not in text, secret
    assert text.count("***") >= 8


def test_secret_added_later_is_redacted(tmp_path: Path, restore_logging: None) -> None:
    log_path = setup_logging(tmp_path, debug=False)
    add_secret("typed-in-setup")
    logging.getLogger("x").warning("got %s", "typed-in-setup")
    text = read_log(log_path)
    assert "got ***" in text and "typed-in-setup" not in text


def test_log_file_is_private_and_level_follows_debug(tmp_path: Path, restore_logging: None) -> None:
    log_path = setup_logging(tmp_path / "a" / "b", debug=False)
    assert log_path == tmp_path / "a" / "b" / "parlons.log"
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    logging.getLogger("slixmpp").debug("hidden-debug")
    logging.getLogger("slixmpp").info("shown-info")
    text = read_log(log_path)
    assert "shown-info" in text and "hidden-debug" not in text
    setup_logging(tmp_path / "a" / "b", debug=True)
    logging.getLogger("slixmpp").debug("now-debug")
    assert "now-debug" in read_log(log_path)
    # Set up twice: still one file handler, not two.
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(ours) == 1


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "<message><body>hello <b>auth</b> world</body></message>"
    assert redact(text) == text
    assert redact("<auth mechanism='PLAIN'/>") == "<auth mechanism='PLAIN'/>"


def test_nothing_reaches_the_terminal(tmp_path: Path) -> None:
    # A fresh interpreter: a library's StreamHandler, a record with no
    # handler (last resort), a warning and a broken format all stay off stderr.
    script = textwrap.dedent(
        f"""
        import logging, sys, warnings
        lib = logging.getLogger("slixmpp")
        lib.addHandler(logging.StreamHandler(sys.stderr))
        logging.basicConfig()
        from tui.logging_setup import setup_logging
        path = setup_logging({str(tmp_path)!r}, debug=True, secrets=["pw"])
        lib.error("from slixmpp %s", "pw")
        logging.getLogger("asyncio").error("Task exception was never retrieved")
        quiet = logging.getLogger("quiet"); quiet.propagate = False
        quiet.error("no handler at all")
        warnings.warn("a warning")
        logging.getLogger("x").error("bad %d format", "str")
        print(open(path).read(), end="")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "from slixmpp ***" in result.stdout
    assert "Task exception was never retrieved" in result.stdout
    assert "a warning" in result.stdout
    assert "bad %d format" in result.stdout


def test_every_log_file_stays_private_after_rotation(tmp_path: Path, restore_logging: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging_setup, "MAX_LOG_BYTES", 300)
    previous_umask = os.umask(0o022)  # the usual one: files are made 0644 unless we say otherwise
    try:
        log_path = setup_logging(tmp_path, debug=False)
        for number in range(40):
            logging.getLogger("tui.test").info("line %02d %s", number, "x" * 60)
    finally:
        os.umask(previous_umask)
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["parlons.log", "parlons.log.1", "parlons.log.2", "parlons.log.3"]
    modes = {name: oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) for name in names}
    assert modes == {name: "0o600" for name in names}
    assert "line 39" in read_log(log_path)


def test_a_log_file_left_readable_by_an_older_version_is_made_private(
        tmp_path: Path, restore_logging: None) -> None:
    for name in ("parlons.log", "parlons.log.1"):
        (tmp_path / name).write_text("old\n")
        (tmp_path / name).chmod(0o644)
    setup_logging(tmp_path, debug=False)
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in tmp_path.iterdir()} == {"0o600"}


INVITE_PASSWORD = "inv-s3cret&<pw>"
ROOM_SECRET = "room-s3cret"


def test_invitation_passwords_and_form_secrets_are_redacted(tmp_path: Path, restore_logging: None) -> None:
    log_path = setup_logging(tmp_path, debug=True)
    escaped = INVITE_PASSWORD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stream = logging.getLogger("slixmpp.xmlstream.xmlstream")
    # XEP-0249 direct invitation, both quote styles
    stream.debug("RECV: <message from=\"bob@localhost/x\"><x xmlns=\"jabber:x:conference\" "
                 f"jid=\"lobby@conference.localhost\" password=\"{escaped}\" reason=\"come\" /></message>")
    stream.debug(f"SEND: <message><x xmlns='jabber:x:conference' jid='r@c' password='{escaped}'/></message>")
    # XEP-0045 mediated invitation and join
    stream.debug("RECV: <message><x xmlns=\"http://jabber.org/protocol/muc#user\"><invite from=\"b@l\" />"
                 f"<password>{escaped}</password></x></message>")
    # Data forms: the room secret as the room sends it (typed) and as we submit it (untyped),
    # any text-private field, after a self-closing field and next to an ordinary one.
    stream.debug("RECV: <iq><query xmlns=\"http://jabber.org/protocol/muc#owner\"><x xmlns=\"jabber:x:data\">"
                 "<field var=\"FORM_TYPE\" type=\"hidden\" />"
                 "<field type=\"text-private\" label=\"Password\" var=\"muc#roomconfig_roomsecret\">"
                 f"<value>{ROOM_SECRET}-1</value></field>"
                 "<field var=\"muc#roomconfig_roomname\"><value>Lobby name</value></field></x></query></iq>")
    stream.debug("SEND: <iq><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname' />"
                 f"<field var='muc#roomconfig_roomsecret'><value>{ROOM_SECRET}-2</value></field></x></iq>")
    stream.debug("SEND: <x xmlns='jabber:x:data'><field var='x-token' type='text-private'>"
                 f"<value>{ROOM_SECRET}-3</value><value>{ROOM_SECRET}-4</value></field></x>")
    text = read_log(log_path)
    for secret in (INVITE_PASSWORD, escaped, ROOM_SECRET):
        assert secret not in text, secret
    assert text.count('password="***"') == 1 and text.count("password='***'") == 1
    assert text.count("<value>***</value>") == 4
    assert "<value>Lobby name</value>" in text and 'jid="lobby@conference.localhost"' in text


def test_xml_escape_is_saxutils_escape():
    """tui.text escapes XML itself (saxutils pulls urllib.request in at start-up):
    the log's secrets and OX's signcrypt use it."""
    from xml.sax.saxutils import escape

    from tui.text import xml_escape

    for text in ("a&b<c>d\"e'f", "&amp;&lt;", "plain", ""):
        assert xml_escape(text) == escape(text)
        assert xml_escape(text, quotes=True) == escape(text, {'"': "&quot;", "'": "&apos;"})
