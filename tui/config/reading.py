"""Reading the configuration file: TOML in, typed frozen dataclasses out.

Every mistake becomes a :class:`ConfigError` whose ``str()`` is one line that
names the file, the line and the key, like a compiler error::

    /home/a/.config/parlons/config.toml:7: accounts[1].port: expected an integer, got "abc"

tomllib gives no positions for keys, so :func:`_find_line` scans the text for
the key inside the right table (good enough for hand-written files). Unknown
keys are errors: a typo must not silently disable a setting. A file that
holds a password and that others may read is refused, as ssh does.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

from ..core.blog import ACCESS_MODELS
from ..core.blog_lines import ACTIVITY_LEVELS as BLOG_ACTIVITY_LEVELS
from ..core.notify import DESKTOP_MODES
from ..crypto.otr.policy import POLICIES as OTR_POLICIES
from ..keymap import KeymapError, load_keymap
from .errors import ConfigError, ConfigInsecure
from .schema import (
    ACCOUNT_KEYS, ACCOUNT_TYPES, PASTE_KEYS, TOP_LEVEL_KEYS, UI_KEYS, UI_TYPES, AccountConfig, Config,
    PasteConfig, UiConfig,
)

# local@domain, no resource, no whitespace. Full stringprep is slixmpp's job
# at connect time; this catches the usual slips (missing @, pasted resource).
_BARE_JID_RE = re.compile(r"[^@/\s]+@[^@/\s.][^@/\s]*")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_SECRET_KEYS = frozenset({"password"})
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "a list of strings",
               dict: "a table"}


def load_config(path: Path | str) -> Config:
    """Read and validate ``path``. Raises :class:`ConfigError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8", path=path, line=line) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, exc) from None
    return _ConfigReader(path, text).read(data)


def parse_account(table: Mapping[str, Any], base_dir: Path | None = None) -> AccountConfig:
    """Validate one account table (as the setup screen builds it).
    Raises :class:`ConfigError` with ``key`` set and no path."""
    return _ConfigReader(None, "", base_dir=base_dir).account(table, 0)


def _syntax_error(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    # tomllib: "Invalid value (at line 3, column 7)"; reuse the position.
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return ConfigError(
            f"invalid TOML: {message[: match.start()]} (column {match.group(2)})",
            path=path,
            line=int(match.group(1)),
        )
    return ConfigError(f"invalid TOML: {message}", path=path)


class _ConfigReader:
    def __init__(self, path: Path | None, text: str, base_dir: Path | None = None) -> None:
        self.path = path
        self.text = text
        self.base_dir = base_dir if base_dir is not None else (path.parent if path else Path.cwd())

    def error(self, key: str, message: str, cls: type[ConfigError] = ConfigError) -> ConfigError:
        line = _find_line(self.text, key) if self.text else None
        return cls(message, path=self.path, line=line, key=key)

    def read(self, data: dict[str, Any]) -> Config:
        self.reject_unknown(data, TOP_LEVEL_KEYS, "")
        self.check_permissions(data)
        accounts_data = data.get("accounts", [])
        if not isinstance(accounts_data, list) or not all(isinstance(a, dict) for a in accounts_data):
            raise self.error("accounts", "expected [[accounts]] tables")
        if not accounts_data:
            raise ConfigError(
                "no account: add an [[accounts]] table (see config.example.toml)", path=self.path
            )
        accounts = [self.account(table, i) for i, table in enumerate(accounts_data)]
        seen: set[str] = set()
        for i, account in enumerate(accounts):
            if account.jid.lower() in seen:
                raise self.error(f"accounts[{i}].jid", f"{account.jid} is listed twice")
            seen.add(account.jid.lower())
        ui = self.ui(data.get("ui", {}))
        keymap = self.keymap(data.get("keymap", {}), ui.keymap)
        paste = self.paste(data.get("paste", {}))
        return Config(accounts=accounts, keymap=keymap, ui=ui, paste=paste, path=self.path)

    def reject_unknown(self, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.error(
                    prefix + _key_name(key),
                    f"unknown key (expected one of: {', '.join(allowed)})",
                )

    def check_permissions(self, data: dict[str, Any]) -> None:
        if self.path is None:
            return
        accounts = data.get("accounts")
        if not isinstance(accounts, list):
            return
        for i, table in enumerate(accounts):
            if isinstance(table, dict) and "password" in table:
                mode = self.path.stat().st_mode & 0o777
                if mode & 0o077:
                    raise self.error(
                        f"accounts[{i}].password",
                        f"file mode {mode:04o} lets other users read or change this "
                        f"password; fix with: chmod 600 {self.path}",
                        ConfigInsecure,
                    )

    def typed(self, table: Mapping[str, Any], key: str, expected: type, prefix: str) -> Any:
        value = table.get(key)
        if value is None:
            return None
        # bool is an int in Python; TOML keeps them apart, so must we.
        ok = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
        if not ok:
            got = "" if key in _SECRET_KEYS else f", got {_show(value)}"
            raise self.error(prefix + key, f"expected {_TYPE_NAMES[expected]}{got}")
        return value

    def account(self, table: Mapping[str, Any], index: int) -> AccountConfig:
        prefix = f"accounts[{index}]."
        self.reject_unknown(table, ACCOUNT_KEYS, prefix)
        values = {key: self.typed(table, key, t, prefix) for key, t in ACCOUNT_TYPES.items()}

        jid = values["jid"]
        if jid is None:
            raise self.error(f"accounts[{index}]", "missing key jid")
        bare, slash, _ = jid.partition("/")
        if slash and _BARE_JID_RE.fullmatch(bare):
            raise self.error(prefix + "jid", f"{_show(jid)} has a resource; write the bare JID and set resource separately")
        if not _BARE_JID_RE.fullmatch(jid):
            raise self.error(prefix + "jid", f"{_show(jid)} is not a JID like user@example.org")

        has_password = values["password"] is not None
        has_command = values["password_command"] is not None
        if has_password and has_command:
            raise self.error(prefix + "password_command", "set password or password_command, not both")
        if not has_password and not has_command:
            raise self.error(f"accounts[{index}]", "set password or password_command")
        if has_password and not values["password"]:
            raise self.error(prefix + "password", "is empty")
        if has_command and not values["password_command"].strip():
            raise self.error(prefix + "password_command", "is empty")

        port = values["port"]
        if port is not None and not 1 <= port <= 65535:
            raise self.error(prefix + "port", f"expected 1..65535, got {port}")
        host = values["host"]
        if host is not None and (not host.strip() or any(c.isspace() for c in host)):
            raise self.error(prefix + "host", f"{_show(host)} is not a host name")
        resource = values["resource"]
        if resource is not None and not resource.strip():
            raise self.error(prefix + "resource", "is empty")

        ca_file = None
        if values["ca_file"] is not None:
            ca_file = (self.base_dir / Path(values["ca_file"]).expanduser())
            if not ca_file.is_file():
                raise self.error(prefix + "ca_file", f"no such file: {ca_file}")

        blog_access = values["blog_access"]
        if blog_access is not None and blog_access not in ACCESS_MODELS:
            raise self.error(prefix + "blog_access",
                             f"expected one of {', '.join(ACCESS_MODELS)}, got {blog_access!r}")

        otr_policy = values["otr_policy"]
        if otr_policy is not None and otr_policy not in OTR_POLICIES:
            raise self.error(prefix + "otr_policy",
                             f"expected one of {', '.join(OTR_POLICIES)}, got {_show(otr_policy)}")

        otr_contacts: dict[str, str] = {}
        for contact, policy in (values["otr_policy_contacts"] or {}).items():
            if not _BARE_JID_RE.fullmatch(contact):
                raise self.error(prefix + "otr_policy_contacts", f"{_show(contact)} is not a JID like user@example.org")
            if policy not in OTR_POLICIES:
                raise self.error(prefix + "otr_policy_contacts",
                                 f"{contact}: expected one of {', '.join(OTR_POLICIES)}, got {_show(policy)}")
            otr_contacts[contact.lower()] = policy

        defaults = AccountConfig(jid=jid)
        return AccountConfig(
            jid=jid,
            password=values["password"],
            password_command=values["password_command"],
            host=host,
            port=port,
            ca_file=ca_file,
            resource=resource if resource is not None else defaults.resource,
            direct_tls=_default(values["direct_tls"], defaults.direct_tls),
            nick=values["nick"],
            muc_service=values["muc_service"],
            autoconnect=_default(values["autoconnect"], defaults.autoconnect),
            blog_access=_default(blog_access, defaults.blog_access),
            blog_comments_service=values["blog_comments_service"],
            otr_policy=_default(otr_policy, defaults.otr_policy),
            otr_policy_contacts=otr_contacts,
            gnupg_home=self.base_dir / Path(values["gnupg_home"]).expanduser() if values["gnupg_home"] else None,
            pgp_passphrase_command=values["pgp_passphrase_command"],
        )

    def ui(self, table: Any) -> UiConfig:
        if not isinstance(table, dict):
            raise self.error("ui", "expected a [ui] table")
        self.reject_unknown(table, UI_KEYS, "ui.")
        values = {key: self.typed(table, key, t, "ui.") for key, t in UI_TYPES.items()}
        defaults = UiConfig()
        desktop = values["desktop_notifications"]
        if desktop is not None and desktop not in DESKTOP_MODES:
            raise self.error("ui.desktop_notifications",
                             f"expected one of {', '.join(map(repr, DESKTOP_MODES))}, got {_show(desktop)}")
        hide = values["hide_joins_above"]
        if hide is not None and hide < 0:
            raise self.error("ui.hide_joins_above", f"expected 0 or more, got {hide}")
        words = values["highlight_words"]
        if words is not None and not all(isinstance(w, str) and w.strip() for w in words):
            raise self.error("ui.highlight_words", "expected a list of non-empty strings")
        blog_activity = values["blog_activity"]
        if blog_activity is not None and blog_activity not in BLOG_ACTIVITY_LEVELS:
            raise self.error("ui.blog_activity",
                             f"expected one of {', '.join(map(repr, BLOG_ACTIVITY_LEVELS))}, got {_show(blog_activity)}")
        return UiConfig(
            blog_activity=_default(blog_activity, defaults.blog_activity),
            hide_joins_above=_default(hide, defaults.hide_joins_above),
            highlight_words=tuple(words) if words is not None else defaults.highlight_words,
            bell=_default(values["bell"], defaults.bell),
            keymap=_default(values["keymap"], defaults.keymap),
            desktop_notifications=_default(desktop, defaults.desktop_notifications),
            terminal_title=_default(values["terminal_title"], defaults.terminal_title),
            cursor_blink=_default(values["cursor_blink"], defaults.cursor_blink),
        )

    def paste(self, table: Any) -> PasteConfig:
        if not isinstance(table, dict):
            raise self.error("paste", "expected a [paste] table")
        self.reject_unknown(table, PASTE_KEYS, "paste.")
        defaults = PasteConfig()
        lines = self.typed(table, "confirm_lines", int, "paste.")
        if lines is not None and lines < 1:
            raise self.error("paste.confirm_lines", f"expected 1 or more, got {lines}")
        burst = table.get("burst_ms")
        if burst is not None and (isinstance(burst, bool) or not isinstance(burst, (int, float)) or burst < 0):
            raise self.error("paste.burst_ms", f"expected a number of milliseconds (0 or more), got {_show(burst)}")
        patterns = self.typed(table, "secret_patterns", list, "paste.")
        if patterns is not None:
            for pattern in patterns:
                if not isinstance(pattern, str) or not pattern:
                    raise self.error("paste.secret_patterns", "expected a list of regular expressions")
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise self.error("paste.secret_patterns", f"{_show(pattern)}: {exc}") from None
        return PasteConfig(
            confirm_lines=_default(lines, defaults.confirm_lines),
            burst_ms=float(burst) if burst is not None else defaults.burst_ms,
            secret_patterns=tuple(patterns) if patterns is not None else defaults.secret_patterns,
        )

    def keymap(self, table: Any, keymap_name: str) -> dict[str, str]:
        if not isinstance(table, dict):
            raise self.error("keymap", "expected a [keymap] table")
        # `window.goto.1 = "x"` without quotes is a nested table in TOML;
        # flatten it so both spellings mean the binding id "window.goto.1".
        overrides: dict[str, Any] = {}
        _flatten(table, "", overrides)
        try:
            load_keymap(keymap_name, overrides)
        except KeymapError as exc:
            if exc.binding_id is None:
                raise self.error("ui.keymap", str(exc)) from None
            raise self.error(f"keymap.{_key_name(exc.binding_id)}", str(exc)) from None
        return {
            binding_id: value if isinstance(value, str) else ",".join(value)
            for binding_id, value in overrides.items()
        }


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[prefix + key] = value


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _show(value: Any) -> str:
    """A value for an error message: short, quoted, on one line."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_name(key: str) -> str:
    return key if _BARE_KEY_RE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


# ------------------------------------------------------- finding key lines

_TABLE_HEADER_RE = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _normalise_key(text: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in text.split("."))


def _find_line(text: str, key_path: str) -> int | None:
    """Line (1-based) where ``key_path`` ("accounts[1].port", "ui.bell",
    "keymap.window.prev", "accounts[0]", "colour") is written, or None.
    A key that is missing points at its table's header line."""
    match = re.fullmatch(r"accounts\[(\d+)\](?:\.(.+))?", key_path)
    if match:
        table, index, key = "accounts", int(match.group(1)), match.group(2)
    elif key_path.split(".", 1)[0] in ("ui", "keymap") and "." in key_path:
        table, key = key_path.split(".", 1)
        index = 0
    else:
        table, index, key = "", 0, key_path
    key = _normalise_key(key) if key else None
    full_key = f"{table}.{key}" if table and key else (key or table)

    current, seen, header_line = "", 0, None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_HEADER_RE.match(line)
        if header and "=" not in line.split("]", 1)[0]:
            current = _normalise_key(header.group(2))
            if current == full_key or current.startswith(full_key + "."):
                return number  # the key is itself a table: [acount], [ui.x]
            if current == table:
                seen += 1
                if seen == index + 1:
                    header_line = number
            continue
        if current != table or (table and seen != index + 1) or key is None:
            continue
        before_value = line.split("=", 1)[0] if "=" in line else None
        if before_value is not None and _normalise_key(before_value) == key:
            return number
    return header_line
