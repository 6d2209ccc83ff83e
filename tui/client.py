"""The client without its face: model, accounts and commands, wired together.

Everything the user can do goes through :meth:`Client.handle_input`; the UI
only forwards typed lines and renders the model. The UI hands in a
:class:`UiActions` for the few things only it can do (quit, scroll).
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from pathlib import Path
from typing import Callable, Mapping, Protocol

from .commands import build_registry
from .commands.contacts import contact_words
from .commands.context import CommandMemory, run_command
from .commands.parser import Invocation, SendText, parse_input
from .commands.registry import Registry
from .core.blog_lines import BlogWindows
from .crypto import register_schemes
from .core.forms import DataForm
from .store.drafts import Composition, Draft
from .core.events import EventBus, LineAdded, QuitRequested
from .core.model import Line, LineKind
from .core.presence import describe
from .core.windows import Activity, Window, WindowKind, WindowList
from .xmpp.account.accounts import Accounts
from .core.room import Room
from .xmpp.account.backoff import Backoff
from .xmpp.account.session import ConnectionSettings
from .xmpp.conversation.protocol import Conversation, ConversationError
from . import wiring
from .config import Config
from .core.lookalikes import LookalikeFlags
from .core.roster import Roster
from .paste import PastePolicy
from .keymap import KeyBinding
from .welcome import Welcome

log = logging.getLogger(__name__)


class UiActions(Protocol):
    def scroll(self, where: str) -> None: ...  # "up" | "down" | "home" | "end"

    # Show a XEP-0004 form (tui.core.forms.DataForm) for editing; the filled
    # copy, or None when the user cancelled. Await it from a task or worker,
    # not from inside the app's own message handler (see ParlonsApp.edit_form).
    async def edit_form(self, form: "DataForm", title: str | None = None) -> "DataForm | None": ...

    # Ask a secret (a key's passphrase) in a masked prompt: the text, or None
    # when cancelled. Same rule as edit_form: not from the app's message loop.
    async def ask_secret(self, prompt: str) -> str | None: ...

    # Open $VISUAL/$EDITOR on ``text`` (None: the input line's text), the
    # screen suspended; the result goes into the input line (not sent) and is
    # returned. None when the editor failed: the hook said why in one line.
    async def edit_text(self, text: str | None = None) -> str | None: ...

    # The blog composer (screens/blog_composer.py) on a tui.store.drafts
    # Composition: the Draft to publish, or None when closed without
    # publishing. Same rule as edit_form: not from the app's message loop.
    async def compose_blog(self, composition: "Composition") -> "Draft | None": ...

    # Copy to the clipboard (OSC 52 and the system clipboard when there is
    # one); says where: "OSC 52, and the X clipboard".
    async def copy_text(self, text: str) -> str: ...


class Client:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.windows = WindowList(self.bus)
        self.accounts = Accounts(self.windows, self.bus, ask_secret=self.ask_secret)
        self.blog_windows = BlogWindows(  # blog windows follow the accounts' blog models
            self.windows, self.bus, self._blogs_of)
        register_schemes()  # OTR, OpenPGP: chosen per conversation with /otr, /pgp, /encrypt
        self.registry: Registry = build_registry()
        self.command_memory = CommandMemory()
        self.ui: UiActions | None = None
        # Set while the accounts start before the face (tui/launch.py).
        self._face: asyncio.Future[None] | None = None
        # A room line from a look-alike nick is marked as it arrives, face or not.
        self.bus.subscribe(LineAdded, lambda event: self.mark_lookalike(event.window, event.line))

    async def ask_secret(self, prompt: str) -> str | None:
        """A secret from the user (host.ask_secret of the schemes); None
        without a UI. Asked before the face is up (a signed first presence,
        an encrypted offline message), it waits for it."""
        if self._face is not None:
            await asyncio.shield(self._face)
        return await self.ui.ask_secret(prompt) if self.ui is not None else None

    def expect_face(self) -> None:
        """The accounts start before the face (tui/launch.py): secrets asked
        meanwhile wait for :meth:`face_ready`."""
        self._face = asyncio.get_running_loop().create_future()

    def face_ready(self) -> None:
        """The face is up and can ask (or it never will: then ``ui`` is None)."""
        face, self._face = self._face, None
        if face is not None and not face.done():
            face.set_result(None)

    def _blogs_of(self, jid: str):
        account = self.accounts.get(jid)
        return account.blog.model if account is not None else None

    def add_account(self, settings: ConnectionSettings, backoff: Backoff | None = None):
        return self.accounts.add(settings, backoff)

    def connect_all(self) -> None:
        for account in self.accounts:
            account.session.connect()

    def contact_words(self, prefix: str, window: Window, *, nicks: bool = False) -> list[str]:
        """Tab's candidates for a contact in ``window``: what the commands
        understand (tui/commands/contacts.py); ``nicks``: a room's too."""
        return contact_words(self, prefix, window, nicks=nicks)

    def conversation_for(self, window: Window) -> Conversation | None:
        """The conversation (1:1 or a room) ``window`` shows, or None."""
        account = self.accounts.for_window(window)
        return account.conversation(window) if account is not None else None

    async def load_older(self, window: Window) -> int:
        """Scrolled past the top: page older history in (store, then archive)."""
        conversation = self.conversation_for(window)
        return await conversation.load_older() if conversation is not None else 0

    def room_of(self, window: Window) -> "Room | None":
        """The room model a ROOM window shows (occupants, topic, our nick)."""
        room_jid = window.room_jid
        if room_jid is None:
            return None
        account = self.accounts.for_window(window)
        return account.muc.rooms.get(room_jid) if account is not None else None

    def user_typed(self, window: Window, text: str) -> None:
        """The input line changed in ``window`` (chat states)."""
        conversation = self.conversation_for(window)
        if conversation is not None:
            conversation.typed(text)

    def encryption_in(self, window: Window) -> str | None:
        """How the conversation in ``window`` is encrypted ("OTR verified"), or None: in clear."""
        conversation = self.conversation_for(window)
        return conversation.encryption_state if conversation is not None else None

    def presence_in(self, window: Window) -> str:
        """A chat window's contact's presence for its header ("away: gone
        fishing", "offline"), or "" (no chat, or not a contact: unknown)."""
        peer = window.peer_jid
        account = self.accounts.for_window(window) if peer else None
        seen = account.roster.presence_of(peer) if account is not None and peer else None
        return describe(seen.show, seen.status) if seen is not None else ""

    def typing_in(self, window: Window) -> str:
        """"bob is typing…" for the status bar, or ""."""
        conversation = self.conversation_for(window)
        return conversation.typing_text() if conversation is not None else ""

    # -- output helpers used by commands ---------------------------------------
    def info(self, text: str, window: Window | None = None) -> None:
        self.windows.add_line(window or self.windows.active, Line(text, LineKind.INFO))

    def error(self, text: str, window: Window | None = None) -> None:
        """Show an error where the user looks; keep it in the status window too
        (a complete record) without lighting its activity: the error was
        already shown where it was caused."""
        window = window or self.windows.active
        self.windows.add_line(window, Line(text, LineKind.ERROR))
        if window is not self.windows.status:
            self.windows.add_line(self.windows.status, Line(text, LineKind.ERROR), Activity.NONE)

    def quit(self, message: str = "") -> None:
        self.bus.emit(QuitRequested(message))

    # -- input -------------------------------------------------------------------
    @staticmethod
    def is_command(text: str) -> bool:
        """Whether ``handle_input`` runs ``text`` as a command (not a message to send)."""
        return isinstance(parse_input(text), Invocation)

    async def handle_input(self, text: str, window: Window | None = None, *,
                           correction: bool = False) -> None:
        """One line (possibly multi-line text) the user entered in ``window``;
        ``correction``: it is our last message, edited (Up on an empty line)."""
        window = window or self.windows.active
        parsed = parse_input(text)
        if isinstance(parsed, Invocation):
            await run_command(self, parsed, window)
        elif isinstance(parsed, SendText):
            if correction and self.conversation_for(window) is not None:
                await run_command(self, Invocation("correct", " " + parsed.text), window)
            else:
                await self.send_text(parsed.text, window)

    def last_own_message(self, window: Window) -> str | None:
        """The text Up brings back for correcting, in a conversation or a room we are in."""
        conversation = self.conversation_for(window)
        line = conversation.last_own_line() if conversation is not None else None
        return line.body if line is not None else None  # an action stays an action when corrected

    async def send_text(self, text: str, window: Window) -> None:
        conversation = self.conversation_for(window)
        if conversation is not None:
            try:
                await conversation.send(text)
            except ConversationError as exc:
                self.error(str(exc), window)
        elif window.kind in (WindowKind.CHAT, WindowKind.ROOM) and window.target:
            self.error("No account for this window", window)
        elif window.kind is WindowKind.STATUS:
            self.error("This is the status window: messages go nowhere here "
                       "(use /msg JID text or /help)", window)
        else:
            self.error(f"Cannot send messages in a {window.kind.value} window", window)

    # -- start-up and look-alike nicks (kept out of the app: no UI needed) -----
    async def start(self, config: Config, *, data_dir: Path, keymap: Mapping[str, KeyBinding],
                    backoff_factory: Callable[[], Backoff] = Backoff, paste_policy: PastePolicy) -> None:
        """What a configured profile starts with: a new profile's first
        screen says what to do (once: a marker in its data dir, naming the
        keys of ``keymap``), then the accounts start."""
        Welcome(data_dir, self.windows, self.bus, keymap).show_once()
        await self.start_accounts(config, data_dir=data_dir, backoff_factory=backoff_factory,
                                  paste_policy=paste_policy)

    async def start_accounts(self, config: Config, *, data_dir: Path,
                             backoff_factory: Callable[[], Backoff] = Backoff,
                             paste_policy: PastePolicy) -> None:
        """Build, open and connect the configured accounts (see tui.wiring);
        an account that cannot start is one error line, the others start."""
        self.blog_windows.activity = wiring.blog_activity(config)
        await wiring.start_accounts(config, self.accounts, data_dir=data_dir,
                                    backoff_factory=backoff_factory, paste_policy=paste_policy,
                                    report=self.error)

    def roster_of(self, window: Window) -> Roster | None:
        """The roster of the account ``window`` belongs to."""
        account = self.accounts.for_window(window)
        return account.roster.model if account is not None else None

    @cached_property
    def lookalikes(self) -> LookalikeFlags:
        return LookalikeFlags()

    def flag_lookalikes(self, window: Window) -> bool:
        """The occupants of the room ``window`` shows catch up with the room
        and the roster; True when a look-alike flag changed (False outside a room)."""
        room = self.room_of(window)
        return room is not None and self.lookalikes.refresh(room, self.roster_of(window))

    def mark_lookalike(self, window: Window, line: Line) -> None:
        """A room line from a look-alike nick is marked as it arrives."""
        room = self.room_of(window)
        if room is not None:
            self.lookalikes.mark(room, self.roster_of(window), line)
