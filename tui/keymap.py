"""Key maps are data: ``keymaps/<name>.toml`` maps binding ids to keys.

The app binds action names to binding ids; this module only says which keys
trigger which id, after the user's ``[keymap]`` overrides. It never imports
Textual: key names are kept as written (Textual normalises single characters
such as "¡" to its own names when it builds bindings).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import keymaps

DEFAULT_KEYMAP = "irssi"
# The key maps are package data, installed as files beside the package
# (read as paths: importlib.resources' readers bring zipfile, ~0.2 MiB at start).
KEYMAP_DIR = Path(keymaps.__file__).parent

# Binding ids under these prefixes act only inside one pane or dialog (the
# blog pane, its yes/no question), which has the keys while it is focused:
# their keys may be the same as another pane's ("n" for next unread and
# for no). The app's own ids are global: no key may serve two of them, nor
# a global id and a pane's (the app's binding would always win).
LOCAL_SCOPES = ("blog", "confirm")


def scope_of(binding_id: str) -> str:
    """The pane a binding id acts in ("blog", "confirm"), or "" (the whole app)."""
    head = binding_id.partition(".")[0]
    return head if head in LOCAL_SCOPES else ""

# Keymap names become file names: keep them to a safe alphabet.
_NAME_RE = re.compile(r"[a-z0-9_-]+")


class KeymapError(ValueError):
    """A key map or an override is wrong. ``binding_id`` names the culprit
    (None when the problem is the key map's name)."""

    def __init__(self, message: str, binding_id: str | None = None) -> None:
        super().__init__(message)
        self.binding_id = binding_id


@dataclass(frozen=True)
class KeyBinding:
    id: str
    keys: tuple[str, ...]
    description: str

    @property
    def key_string(self) -> str:
        """Keys in Textual's ``Binding`` syntax ("ctrl+p,alt+left");
        empty when the user unbound the id."""
        return ",".join(self.keys)


def available_keymaps() -> list[str]:
    return sorted(entry.stem for entry in KEYMAP_DIR.glob("*.toml"))


def load_keymap(
    name: str = DEFAULT_KEYMAP,
    overrides: Mapping[str, str | Sequence[str]] | None = None,
) -> dict[str, KeyBinding]:
    """Load key map ``name`` (package data) and apply ``overrides``
    (binding id -> "key", "k1,k2" or ["k1", "k2"]; [] unbinds the id)."""
    bindings = _read_keymap(name)
    for binding_id, value in (overrides or {}).items():
        if binding_id not in bindings:
            raise KeymapError(f"unknown binding id {binding_id!r}", binding_id)
        keys = _override_keys(binding_id, value)
        old = bindings[binding_id]
        bindings[binding_id] = KeyBinding(old.id, keys, old.description)
    _check_no_clash(bindings, overridden=set(overrides or ()))
    return bindings


def _read_keymap(name: str) -> dict[str, KeyBinding]:
    if not _NAME_RE.fullmatch(name):
        raise KeymapError(f"invalid key map name {name!r}")
    resource = KEYMAP_DIR / f"{name}.toml"
    if not resource.is_file():
        known = ", ".join(available_keymaps())
        raise KeymapError(f"no key map named {name!r} (known: {known})")
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    bindings: dict[str, KeyBinding] = {}
    for binding_id, entry in data.get("bindings", {}).items():
        keys = entry.get("keys")
        description = entry.get("description", "")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise KeymapError(f"{name}.toml: {binding_id}: keys must be a list of strings", binding_id)
        bindings[binding_id] = KeyBinding(binding_id, tuple(keys), str(description))
    return bindings


def _override_keys(binding_id: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        keys = [part.strip() for part in value.split(",")]
    elif isinstance(value, (list, tuple)) and all(isinstance(k, str) for k in value):
        keys = [k.strip() for k in value]
    else:
        raise KeymapError(
            f"{binding_id}: expected a key or a list of keys", binding_id
        )
    for key in keys:
        if not key or any(c.isspace() for c in key) or "," in key:
            raise KeymapError(
                f"{binding_id}: invalid key {key!r} (use [] to unbind)", binding_id
            )
    return tuple(keys)


def _check_no_clash(
    bindings: Mapping[str, KeyBinding], overridden: set[str]
) -> None:
    # A key bound to two ids would silently run only one of them: two ids
    # of one scope, or a global id and any other.
    owner: dict[tuple[str, str], str] = {}
    for binding in bindings.values():
        scope = scope_of(binding.id)
        for key in binding.keys:
            other = owner.setdefault((scope, key), binding.id)
            if other == binding.id and scope:
                other = owner.get(("", key), binding.id)
            elif other == binding.id:
                other = next((owner[(s, key)] for s in LOCAL_SCOPES if (s, key) in owner), binding.id)
            if other != binding.id:
                # Blame the id the user changed: that is where the fix goes.
                culprit = other if other in overridden else binding.id
                raise KeymapError(
                    f"key {key!r} is bound to both {other} and {binding.id}",
                    culprit,
                )
