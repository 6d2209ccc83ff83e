"""tui.config: typed loading, one-line errors with file:line:key, secrets."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from tests.harness.wait import wait_until
from tui import config as config_module
from tui.config import password as password_module
from tui.config import (
    ACCOUNT_KEYS,
    AccountConfig,
    ConfigError,
    ConfigInsecure,
    UiConfig,
    account_toml,
    load_config,
    parse_account,
    resolve_password,
    toml_string,
    write_config,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.example.toml"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    return info.value


TWO_ACCOUNTS = """\
# my config
[ui]
bell = false

[[accounts]]
jid = "alice@example.org"
password_command = "echo one"

[[accounts]]
jid = "bob@example.org"
password_command = "echo two"
port = {port}
"""


# ------------------------------------------------------------------ loading


def test_full_config_loads_typed_values_and_defaults(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    path = write(
        tmp_path / "config.toml",
        """
[[accounts]]
jid = "alice@example.org"
password = "s3cret"
host = "xmpp.example.org"
port = 5223
ca_file = "ca.pem"
resource = "laptop"
direct_tls = true
nick = "Alice"
autoconnect = false

[[accounts]]
jid = "bob@example.net"
password_command = "pass show bob"

[ui]
bell = false
keymap = "irssi"

[keymap]
"window.prev" = ["ctrl+b", "alt+left"]
window.goto.1 = "f2"
""",
    )
    config = load_config(path)
    alice, bob = config.accounts
    assert alice == AccountConfig(
        jid="alice@example.org",
        password="s3cret",
        host="xmpp.example.org",
        port=5223,
        ca_file=tmp_path / "ca.pem",  # relative to the config file
        resource="laptop",
        direct_tls=True,
        nick="Alice",
        autoconnect=False,
    )
    assert bob == AccountConfig(jid="bob@example.net", password_command="pass show bob")
    assert (bob.resource, bob.direct_tls, bob.autoconnect, bob.port) == ("parlons", False, True, None)
    assert config.ui == UiConfig(bell=False, keymap="irssi")
    # Unquoted dotted ids are nested tables in TOML: flattened to the id.
    assert config.keymap == {"window.prev": "ctrl+b,alt+left", "window.goto.1": "f2"}
    assert config.path == path
    assert "s3cret" not in repr(config)


def test_bad_port_names_file_line_and_key_exactly(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", TWO_ACCOUNTS.format(port='"abc"'))
    assert str(error_of(path)) == f'{path}:12: accounts[1].port: expected an integer, got "abc"'


@pytest.mark.parametrize(
    "port, message",
    [("0", "expected 1..65535, got 0"), ("65536", "expected 1..65535, got 65536"),
     ("true", "expected an integer, got true"), ("5.5", "expected an integer, got 5.5")],
)
def test_port_range_and_type(tmp_path: Path, port: str, message: str) -> None:
    path = write(tmp_path / "c.toml", TWO_ACCOUNTS.format(port=port))
    assert str(error_of(path)) == f"{path}:12: accounts[1].port: {message}"


@pytest.mark.parametrize(
    "body, line, key, fragment",
    [
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\npasword = "y"\n', 4,
         "accounts[0].pasword", "unknown key"),
        ('[[accounts]]\njid = "a@b.org/laptop"\npassword = "x"\n', 2,
         "accounts[0].jid", "has a resource"),
        ('[[accounts]]\njid = "example.org"\npassword = "x"\n', 2,
         "accounts[0].jid", "not a JID"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\npassword_command = "y"\n', 4,
         "accounts[0].password_command", "not both"),
        ('# c\n[[accounts]]\njid = "a@b.org"\n', 2,
         "accounts[0]", "set password or password_command"),
        ('[[accounts]]\npassword = "x"\n', 1, "accounts[0]", "missing key jid"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\nca_file = "nope.pem"\n', 4,
         "accounts[0].ca_file", "no such file"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\ndirect_tls = "yes"\n', 4,
         "accounts[0].direct_tls", 'expected true or false, got "yes"'),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[[accounts]]\njid = "A@b.org"\npassword = "y"\n',
         5, "accounts[1].jid", "listed twice"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\nbell = 1\n', 5,
         "ui.bell", "expected true or false, got 1"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\n\nkeymap = "nope"\n', 6,
         "ui.keymap", "no key map named 'nope'"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\ndesktop_notifications = "osc99"\n', 5,
         "ui.desktop_notifications", "expected one of 'off', 'osc777', 'osc9', got \"osc99\""),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\nterminal_title = "no"\n', 5,
         "ui.terminal_title", 'expected true or false, got "no"'),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[colours]\nx = 1\n', 4,
         "colours", "unknown key"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[keymap]\n"window.nope" = "f2"\n', 5,
         'keymap."window.nope"', "unknown binding id 'window.nope'"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[keymap]\n"window.prev" = "alt+a"\n', 5,
         'keymap."window.prev"', "bound to both"),
        ('[[accounts]]\njid = "a@b.org"\npassword = "x"\n[keymap]\nwindow.prev = 3\n', 5,
         'keymap."window.prev"', "expected a key or a list of keys"),
    ],
)
def test_errors_name_line_and_key(tmp_path: Path, body: str, line: int, key: str, fragment: str) -> None:
    path = write(tmp_path / "config.toml", body)
    error = error_of(path)
    assert str(error).startswith(f"{path}:{line}: {key}: "), str(error)
    assert fragment in str(error)
    assert (error.line, error.key) == (line, key)


def test_no_account_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[ui]\nbell = true\n")
    assert "no account" in str(error_of(path))


def test_toml_syntax_error_reuses_tomllib_position(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\nport = 52 22\n')
    error = error_of(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: invalid TOML: ")


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    assert str(error_of(tmp_path / "none.toml")) == f"{tmp_path / 'none.toml'}: no such file"
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'# ok\n# caf\xe9\n')
    assert str(error_of(path)) == f"{path}:2: not valid UTF-8"


def test_wrong_type_of_password_never_echoes_it(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = 987654321\n')
    message = str(error_of(path))
    assert message == f"{path}:3: accounts[0].password: expected a string"
    assert "987654321" not in message


def test_control_characters_in_keys_do_not_reach_the_terminal(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n"evil\\u001b]0;pwn\\u0007\\u202e" = 1\n')
    message = str(error_of(path))
    assert "unknown key" in message
    assert not re.search("[\x00-\x1f\x7f\u202e]", message)


# -------------------------------------------------------------- permissions


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_password_in_a_file_others_can_access_is_refused(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "hunter2"\n', mode)
    with pytest.raises(ConfigInsecure) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: accounts[0].password: ")
    assert f"chmod 600 {path}" in message
    assert "hunter2" not in message


def test_private_file_with_password_and_public_file_without_are_fine(tmp_path: Path) -> None:
    private = write(tmp_path / "p.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n', 0o600)
    assert load_config(private).accounts[0].password == "x"
    public = write(tmp_path / "q.toml", '[[accounts]]\njid = "a@b.org"\npassword_command = "x"\n', 0o644)
    assert load_config(public).accounts[0].password_command == "x"


# ---------------------------------------------------------- password_command


def test_resolve_password_strips_one_trailing_newline() -> None:
    assert resolve_password(AccountConfig("a@b.org", password="direct")) == "direct"
    account = AccountConfig("a@b.org", password_command="printf 'p a s s \\n\\n'")
    assert resolve_password(account) == "p a s s \n"


def test_password_command_failure_shows_status_never_output() -> None:
    account = AccountConfig("a@b.org", password_command="echo leaked-secret; echo err-secret >&2; exit 3")
    with pytest.raises(ConfigError) as info:
        resolve_password(account)
    message = str(info.value)
    assert message == "password_command of a@b.org: failed with exit status 3"


def test_password_command_that_prints_nothing_is_an_error() -> None:
    with pytest.raises(ConfigError, match="printed nothing"):
        resolve_password(AccountConfig("a@b.org", password_command="true"))


def test_password_command_timeout_kills_the_whole_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(password_module, "PASSWORD_COMMAND_TIMEOUT", 0.3)
    # The grandchild `sleep` keeps stdout open after the shell is gone.
    account = AccountConfig("a@b.org", password_command="sleep 30.4217 | cat")
    with pytest.raises(ConfigError, match="no answer within 0.3 s"):
        resolve_password(account)
    # the grandchild went with the shell (a pipeline left running would also
    # have kept resolve_password waiting for its output: the test would hang)
    wait_until(lambda: not [proc for proc in Path("/proc").glob("[0-9]*/cmdline")
                            if _read(proc).startswith(b"sleep\x0030.4217")], timeout=2,
               message="the pipeline's sleep killed")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # gone meanwhile
        return b""


# ------------------------------------------------------------------ writing


def test_toml_string_escapes_round_trip() -> None:
    nasty = 'q"uote \\back\nline\ttab \x00\x1b\x7f é ☃ """ \'\'\''
    assert tomllib.loads(f"v = {toml_string(nasty)}")["v"] == nasty


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077])
def test_write_config_is_private_and_round_trips(tmp_path: Path, umask: int) -> None:
    account = AccountConfig(
        jid="alice@example.org",
        password='pa"ss\\wo\nrd ☃',
        host="xmpp.example.org",
        port=5222,
        direct_tls=True,
    )
    path = tmp_path / "new" / "parlons" / "config.toml"
    old = os.umask(umask)
    try:
        write_config(path, account)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert load_config(path).accounts == [account]
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left
    text = path.read_text()
    assert "resource" not in text and "autoconnect" not in text  # defaults left out


def test_write_config_does_not_overwrite(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "# mine\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_config(path, AccountConfig("a@b.org", password="x"))
    assert path.read_text() == "# mine\n"


def test_parse_account_validates_like_the_loader() -> None:
    assert parse_account({"jid": "a@b.org", "password": "x"}).jid == "a@b.org"
    with pytest.raises(ConfigError) as info:
        parse_account({"jid": "a@b.org", "password": "x", "port": 70000})
    assert info.value.key == "accounts[0].port"
    assert info.value.path is None


def test_account_toml_writes_every_non_default_field() -> None:
    account = AccountConfig("a@b.org", password_command="pass x", nick="A", autoconnect=False, ca_file=Path("/ca.pem"))
    data = tomllib.loads(account_toml(account))["accounts"][0]
    assert data == {"jid": "a@b.org", "password_command": "pass x", "nick": "A", "autoconnect": False, "ca_file": "/ca.pem"}


# ------------------------------------------------------------------ example


def _documented_keys(text: str) -> dict[str, set[str]]:
    """Keys written (or commented out) in each table of the example."""
    tables: dict[str, set[str]] = {"": set()}
    current = ""
    for line in text.splitlines():
        header = re.match(r"\s*\[\[?([\w.]+)\]\]?\s*$", line)
        if header:
            current = header.group(1)
            tables.setdefault(current, set())
            continue
        assignment = re.match(r"\s*#?\s*(\"[^\"]+\"|[\w.-]+)\s*=\s*\S", line)
        if assignment:
            tables.setdefault(current, set()).add(assignment.group(1).strip('"'))
    return tables


def test_example_documents_every_key_and_only_known_keys() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    tomllib.loads(text)  # it parses
    documented = _documented_keys(text)
    assert documented["accounts"] == set(ACCOUNT_KEYS)
    assert documented["ui"] == {f.name for f in fields(UiConfig)}
    assert documented["paste"] == {f.name for f in fields(config_module.PasteConfig)}
    assert set(documented) - {""} == set(config_module.TOP_LEVEL_KEYS)


def test_example_loads_once_private(tmp_path: Path) -> None:
    copy = write(tmp_path / "config.toml", EXAMPLE.read_text(encoding="utf-8"), 0o600)
    config = load_config(copy)
    assert config.accounts[0].jid == "alice@example.org"
    assert config.keymap  # its [keymap] example is valid


def test_find_line_ignores_same_key_in_other_account_blocks(tmp_path: Path) -> None:
    body = (
        '[[accounts]]\njid = "a@b.org"\npassword = "x"\nport = 1\n\n'
        '[[accounts]]\njid = "c@b.org"\npassword = "y"\n  "port" = 0\n'
    )
    path = write(tmp_path / "c.toml", body)
    assert error_of(path).line == 9


def test_room_keys(tmp_path: Path) -> None:
    body = ('[[accounts]]\njid = "a@b.org"\npassword = "x"\nmuc_service = "rooms.b.org"\n'
            '[ui]\nhide_joins_above = 10\nhighlight_words = ["release", "parlons"]\n')
    config = load_config(write(tmp_path / "c.toml", body))
    assert config.accounts[0].muc_service == "rooms.b.org"
    assert config.ui.hide_joins_above == 10 and config.ui.highlight_words == ("release", "parlons")
    assert UiConfig().hide_joins_above == 50 and UiConfig().highlight_words == ()
    bad = write(tmp_path / "d.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\nhighlight_words = [1]\n')
    assert "ui.highlight_words: expected a list of non-empty strings" in str(error_of(bad))
    bad = write(tmp_path / "e.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\nhide_joins_above = -1\n')
    assert "expected 0 or more" in str(error_of(bad))


def test_paste_table(tmp_path: Path) -> None:
    base = '[[accounts]]\njid = "a@b.org"\npassword_command = "x"\n'
    config = load_config(write(tmp_path / "ok.toml",
                               base + '[paste]\nconfirm_lines = 3\nburst_ms = 2.5\nsecret_patterns = ["x+"]\n'))
    assert config.paste == config_module.PasteConfig(confirm_lines=3, burst_ms=2.5, secret_patterns=("x+",))
    assert load_config(write(tmp_path / "default.toml", base)).paste == config_module.PasteConfig()
    for body, key in (("confirm_lines = 0", "paste.confirm_lines"), ('burst_ms = "fast"', "paste.burst_ms"),
                      ('secret_patterns = ["("]', "paste.secret_patterns"), ("nope = 1", "paste.nope")):
        assert error_of(write(tmp_path / "bad.toml", base + "[paste]\n" + body + "\n")).key == key


def test_blog_keys(tmp_path: Path) -> None:
    body = ('[[accounts]]\njid = "a@b.org"\npassword = "x"\nblog_access = "presence"\n'
            'blog_comments_service = "pubsub.b.org"\n')
    account = load_config(write(tmp_path / "c.toml", body)).accounts[0]
    assert (account.blog_access, account.blog_comments_service) == ("presence", "pubsub.b.org")
    plain = load_config(write(tmp_path / "p.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n')).accounts[0]
    assert (plain.blog_access, plain.blog_comments_service) == ("open", None)
    bad = write(tmp_path / "d.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\nblog_access = "friends"\n')
    assert "d.toml:4: accounts[0].blog_access: expected one of open, presence, got 'friends'" in str(error_of(bad))


def test_otr_policy(tmp_path: Path) -> None:
    body = '[[accounts]]\njid = "a@b.org"\npassword = "x"\notr_policy = "always"\n'
    assert load_config(write(tmp_path / "c.toml", body)).accounts[0].otr_policy == "always"
    plain = load_config(write(tmp_path / "p.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n')).accounts[0]
    assert plain.otr_policy == "manual"
    bad = write(tmp_path / "d.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\notr_policy = "never"\n')
    assert "d.toml:4: accounts[0].otr_policy: expected one of manual, opportunistic, always, got \"never\"" \
        in str(error_of(bad))
    body += 'otr_policy_contacts = { "Bob@b.org" = "manual" }\n'
    assert load_config(write(tmp_path / "e.toml", body)).accounts[0].otr_policy_contacts == {"bob@b.org": "manual"}
    bad = write(tmp_path / "f.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n'
                'otr_policy_contacts = { "bob@b.org" = "sometimes" }\n')
    assert "accounts[0].otr_policy_contacts: bob@b.org: expected one of manual, opportunistic, always" \
        in str(error_of(bad))


def test_openpgp_keys_reach_the_scheme_settings(tmp_path: Path) -> None:
    from tui.config import UiConfig
    from tui.core.events import EventBus
    from tui.core.windows import WindowList
    from tui.wiring import configure_account, connection_settings
    from tui.xmpp.account.accounts import Accounts

    path = write(tmp_path / "config.toml", """
[[accounts]]
jid = "alice@example.org"
password = "x"
gnupg_home = "keys/gnupg"
pgp_passphrase_command = "pass show gpg/alice"
""")
    account_cfg = load_config(path).accounts[0]
    assert account_cfg.gnupg_home == tmp_path / "keys" / "gnupg"  # relative to the config file
    assert account_cfg.pgp_passphrase_command == "pass show gpg/alice"
    bus = EventBus()
    account = Accounts(WindowList(bus), bus).add(connection_settings(account_cfg, "x"))
    configure_account(account, account_cfg, UiConfig())
    assert account.encryption.host.settings["pgp"] == {
        "gnupg_home": str(tmp_path / "keys" / "gnupg"), "passphrase_command": "pass show gpg/alice"}


def test_blog_activity_is_a_level_of_the_window_bar(tmp_path):
    from tui import wiring
    from tui.core.windows import Activity

    config = load_config(write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n'
                                                     '[ui]\nblog_activity = "events"\n'))
    assert config.ui.blog_activity == "events" and wiring.blog_activity(config) is Activity.EVENTS
    assert UiConfig().blog_activity == "messages" and wiring.blog_activity(None) is Activity.MESSAGES
    bad = write(tmp_path / "e.toml", '[[accounts]]\njid = "a@b.org"\npassword = "x"\n[ui]\nblog_activity = "loud"\n')
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    assert "ui.blog_activity" in str(error.value) and "'messages'" in str(error.value)


def test_cursor_blink_is_off_unless_asked(tmp_path):
    account = '[[accounts]]\njid = "a@b.org"\npassword = "x"\n'
    assert UiConfig().cursor_blink is False
    assert load_config(write(tmp_path / "d.toml", account)).ui.cursor_blink is False
    assert load_config(write(tmp_path / "c.toml", account + "[ui]\ncursor_blink = true\n")).ui.cursor_blink is True
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path / "e.toml", account + '[ui]\ncursor_blink = "yes"\n'))
    assert "ui.cursor_blink" in str(error.value)
