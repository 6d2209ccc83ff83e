"""tui.logging_setup: a file only, and no secret ever reaches it."""

from __future__ import annotations

import base64
import logging
import logging.handlers
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
