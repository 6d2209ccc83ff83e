"""Start-up: the accounts connect while the face loads.

Connecting is mostly waiting for the server (TCP, TLS, SASL, bind: about
0.1 s to a server on loopback, more round trips' worth over a network);
loading the face (importing Textual and the screens, ~0.15 s) is our own
CPU. So a profile with accounts imports the core first (``tui.client``:
slixmpp and the services), starts its accounts in the event loop, and
imports the face in a thread meanwhile: the loop's thread takes the
interpreter whenever the server answers. The app then runs in that same
loop (slixmpp never leaves it) and takes the started client over
(:class:`Early`). Without accounts (the setup form) the face comes first:
nothing could start before it.

The face is told nothing it missed: it draws the model as it finds it on
mount; the notifier rings for windows raised before it
(``TerminalNotifier.start``); the client marks look-alike nicks itself; a
secret asked meanwhile (a signed first presence) waits for the face
(``Client.expect_face``).
"""

from __future__ import annotations

import asyncio
import gc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable

if TYPE_CHECKING:
    from .client import Client
    from .config import Config
    from .dataclass_code import CodeCache
    from .paste import PastePolicy

RunFace = Callable[["Config | None", "Path | None", "Early | None"], Awaitable[int]]


@dataclass(frozen=True)
class Early:
    """Accounts started before the face, which takes them over."""

    client: Client
    paste_policy: PastePolicy  # the one the accounts' passwords went into
    started: asyncio.Task[None]  # Client.start: the welcome, then the accounts


def launch(config: Config | None, config_path: Path | None, code_cache: CodeCache | None = None) -> int:
    """Run Parlons until it quits; its exit status.  ``code_cache`` (the
    dataclasses' code, installed by the caller) is finished once the start
    is over."""
    return asyncio.run(_launch(config, config_path, code_cache))


async def _launch(config: Config | None, config_path: Path | None, code_cache: CodeCache | None) -> int:
    if config is None or not config.accounts:
        run_face = import_face()
        _start_compiled(code_cache)
        return await run_face(config, config_path, None)
    early = start_early(config)
    try:
        run_face = await asyncio.to_thread(import_face)
        _start_compiled(code_cache)
        return await run_face(config, config_path, early)
    except BaseException:
        early.started.cancel()
        await early.client.accounts.disconnect_all("Parlons")
        raise


# What the start compiled is written once the first frame is long drawn.
SAVE_AFTER_S = 1.0


def _start_compiled(code_cache: CodeCache | None) -> None:
    """The face is imported: what the start compiles is compiled.  ``exec``
    is the builtin again for the dataclasses and the cache's file is let go
    now, before the first frame and the roster (its mapping and index would
    count in W1's peak); what had to be compiled is saved SAVE_AFTER_S later,
    in a thread."""
    if code_cache is None:
        return
    code_cache.uninstall()
    if code_cache.compiled:
        loop = asyncio.get_running_loop()
        loop.call_later(SAVE_AFTER_S, loop.run_in_executor, None, code_cache.save)


def start_early(config: Config) -> Early:
    """The client, its accounts starting in the running loop."""
    from .xmpp.account.tls_policy import make_ahead

    make_ahead(account.ca_file for account in config.accounts)  # in threads while we import

    from . import paths, wiring
    from .client import Client
    from .keymap import load_keymap

    client = Client()
    client.expect_face()
    paste_policy = wiring.paste_policy(config)
    keymap = load_keymap(config.ui.keymap, config.keymap)
    started = asyncio.ensure_future(client.start(config, data_dir=paths.data_dir(), keymap=keymap,
                                                 paste_policy=paste_policy))
    return Early(client, paste_policy, started)


def import_face() -> RunFace:
    """The Textual app's entry point, imported with the cyclic garbage
    collector off: the import makes ~56,000 objects that live as long as
    the process, which ~130 collections would walk for nothing (~10 % of
    the import's CPU). They are then frozen (never walked again: the
    collections a flood triggers later skip them) and the collector is back
    on. Safe in a thread: the core never imports the face, so the loop's
    own imports meanwhile cannot wait on this one."""
    # Textual draws at most 60 frames a second by default: during a flood a
    # key's refresh waits for the next 16.7 ms tick.  At 120 it waits half as
    # long (W4 during a flood: key median 12 -> 8 ms, p90 45 -> 27 ms), at no
    # CPU cost: a frame draws only what changed, and the log redraws at our
    # own pace (screens/widgets/message_log.py).  The user's own setting wins.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    gc.disable()
    try:
        from screens.app import run_face
    finally:
        gc.freeze()
        gc.enable()
    return run_face
