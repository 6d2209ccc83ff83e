"""The input line's paste guard: pastes never submit anything by themselves.

The policy itself (what a paste may become, telling a burst from typing) is
pure and lives in :mod:`tui.paste`; this is its glue to Textual's keys. A
bracketed paste goes through the paste policy — inserted, refused, or
confirmed in ``PasteConfirmScreen``.  Typed keys are typing, and an Enter
typed alone submits at once.  A burst of keys (what a terminal without
bracketed paste makes of a paste, but also keys bunched by a slow link or by
our own stall) shows as it comes: only an Enter can send, so only an Enter
in a burst is held — with the rest of the burst, and the keys it showed
before the Enter are taken back (those of the burst just before too, when
this one resumed it: one raw paste read in pieces) — until the burst ends; then it is either
typed as it came (its keys run in order) or, only when it can be a paste,
handed to the policy.  A password in a burst is refused: of what the burst
showed, only the keys typed before it stay.  A heartbeat while keys come shows our own stalls; the
terminal is asked once whether it brackets pastes (then bursts are typing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input

from tui.paste import (
    PASSWORD_REFUSED, Burst, BurstDetector, Decision, KeyKind, LoopLag, PastePolicy, Verdict, is_typing,
    key_text,
)

from .. import keys_first, terminal_modes
from .. import textual_private
from ..textual_private import event_clock

if TYPE_CHECKING:
    from ..paste_confirm import PasteConfirmScreen

# The heartbeat that shows our own stalls (see tui.paste.LoopLag) runs while
# keys come, and stops this long after the last one.
HEARTBEAT = 0.01
HEARTBEAT_LINGER = 5.0
# A burst still held after this long shows a hint (a long raw paste arriving).
HELD_HINT_AFTER = 0.3
HELD_HINT = "… pasted text arriving"
# An Enter right after a burst it ended (tui.paste.KeyKind.PENDING) is sent
# once this has passed with no key behind it: the keys of the same write are
# already on their way to the line by then (one read, stamped together).
PENDING_CHECK = 0.015


def literal(text: str) -> str:
    """Pasted text is sent as text: a leading "/" does not run a command."""
    return "/" + text if text.startswith("/") else text


class PasteGuardedInput(Input):
    """An ``Input`` whose pastes and bursts of keys go through the paste
    guard: its ``_on_paste`` runs instead of Input's, and a subclass's
    ``_on_key`` hands each key to :meth:`guard_key` first. The subclass (the
    input line) says what to do with what the guard lets through: the hooks
    at the end of this class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pastes: the app sets the policy (passwords, thresholds) and the target.
        self.paste_policy = PastePolicy()
        self.paste_target: Callable[[], str] = lambda: "this window"
        self.paste_window: Callable[[], object | None] = lambda: None  # the target itself
        self.bursts = BurstDetector(self.paste_policy.burst_ms)
        self._burst_timer: asyncio.TimerHandle | None = None
        self._pending_timer: asyncio.TimerHandle | None = None  # an Enter waits (KeyKind.PENDING)
        self._undo: tuple[str, int] | None = None  # the line before the last text key
        self._burst_undo: tuple[str, int] | None = None  # the line before the burst's first key
        self._last_text_key: events.Key | None = None
        self._held: list[events.Key] = []  # the keys of the burst being held
        # the last burst without an Enter, shown as it came: its undo and
        # keys, should it be resumed (tui.paste.KeyKind.RESUMED)
        self._shown_burst: tuple[tuple[str, int] | None, list[events.Key]] | None = None
        self._hint_timer: asyncio.TimerHandle | None = None
        self._placeholder = self.placeholder  # restored when the held hint goes
        self.lag = LoopLag()
        self._heartbeat: asyncio.TimerHandle | None = None
        self._last_key_handled = 0.0
        # A paste prompt this line opened is waiting for its answer: keys that
        # were already on their way here (typed within a frame of the paste)
        # are dropped: a prompt is answered only once it has been seen.
        self.asking = False
        self._prompt: PasteConfirmScreen | None = None  # the prompt asking, if any
        self._pending_window: object | None = None  # where a pending Enter was pressed

    def set_paste_policy(self, policy: PastePolicy) -> None:
        # the detector keeps what is under way (a held burst, a waiting
        # Enter): only its timings change
        self.paste_policy = policy
        self.bursts.retime(policy.burst_ms)

    async def guard_key(self, event: events.Key) -> bool:
        """A key reaching the line: True when the guard took it (stopped:
        held in a burst, collected by a prompt, or a typed Enter submitted)."""
        if self.asking:
            # Keys that were on their way here when the prompt opened: the
            # rest of a raw paste joins it, anything else is dropped (a
            # prompt is answered only once it has been seen).
            event.stop()
            event.prevent_default()
            if self._prompt is not None:
                self._prompt.collect(event)
            return True
        self.watch_the_loop(event)
        if await self._burst_key(event):
            event.stop()
            event.prevent_default()
            return True
        return False

    def typing_shows(self) -> bool:
        """Does a typed character show as it comes (nothing held, no prompt
        asked, no Enter waiting): what screens/echo_ahead.py echoes ahead."""
        return not self.asking and not self.bursts.holding and not self.bursts.pending

    # -- bursts ---------------------------------------------------------------
    def _key_text(self, event: events.Key) -> str | None:
        """The text a key would add to a paste; None for other keys."""
        text = key_text(event.key, event.character, event.is_printable)
        if text is None or event.key in ("enter", "tab") or not self._goes_to_app(event.key):
            return text
        return None  # a printable key bound to the app (not text of the line)

    async def _burst_key(self, event: events.Key) -> bool:
        """Feed the burst detector; True when the key was taken (held in a
        burst, or a typed Enter, submitted here).  A burst's keys run at once
        (shown) until it holds an Enter; all of them are kept, to be taken
        back and judged with that Enter."""
        text = self._key_text(event)
        self._settle_pending(event.time, force=text is None)
        ended = self.bursts.interrupted(event.time)
        if ended is not None:  # a key after a pause: the burst before it is complete
            await self._end_burst(ended)
            if self.asking:  # it asks: this key is more of the paste, or dropped
                if self._prompt is not None:
                    self._prompt.collect(event)
                return True
        if text is None:
            if self.bursts.active:
                if self._edit_action(event) is not None:
                    self._held.append(event)  # runs again if the burst is taken back as typing
                    return self.bursts.holding
                await self._end_burst(self.bursts.take())  # then this key, as usual
            self.bursts.other_key(event.time)
            return False
        was_holding = self.bursts.holding
        kind = self.bursts.key(text, event.time)
        if kind is KeyKind.TYPED:
            self._undo = (self.value, self.cursor_position)
            self._last_text_key = event
            if text == "\n":
                self.submit()  # a typed Enter sends what was typed before it, now
                return True
            return False
        if kind is KeyKind.PENDING:
            # An Enter right after a burst it ended: typed, unless a key
            # follows it at burst speed (a raw paste cut before its newline)
            self._last_text_key = event
            # the line goes where the Enter was pressed, should the window
            # change before it is settled (a mouse click on the window bar)
            self._pending_window = self.paste_window()
            self._pending_timer = textual_private.call_after(self, PENDING_CHECK, self._pending_check)
            return True
        if self._pending_timer is not None:
            self._pending_timer.cancel()
            self._pending_timer = None
        if kind is KeyKind.STARTED:
            # The previous key (shown) was the first of the burst.
            self._burst_undo = self._undo if self._undo is not None else (self.value, self.cursor_position)
            self._held = [self._last_text_key, event] if self._last_text_key is not None else [event]
            self._arm_burst_timer()
        elif kind is KeyKind.OPENED:
            self._burst_undo = (self.value, self.cursor_position)
            self._held = [event]
            self._arm_burst_timer()
        elif kind is KeyKind.RESUMED:
            # The burst before goes on, from where it began: with the key
            # that interrupted it (shown) and this one.
            here = (self.value, self.cursor_position)
            undo, keys = self._shown_burst or (here, [])
            self._burst_undo = undo
            interrupter = [self._last_text_key] if self._last_text_key is not None else []
            self._held = [*keys, *interrupter, event]
            self._arm_burst_timer()
        else:
            self._held.append(event)
        self._undo = None
        if not self.bursts.holding:
            return False  # shown at once
        if not was_holding:
            # The burst's first Enter: what it showed goes back into it,
            # held with it; nothing of it is sendable until it is judged.
            self._take_back(self._burst_undo)
            self._hint_timer = textual_private.call_after(self, HELD_HINT_AFTER, self._show_held_hint)
        return True

    def _pending_check(self) -> None:
        self._pending_timer = None
        self._settle_pending(event_clock())
        if self.bursts.pending:
            self._pending_timer = textual_private.call_after(self, PENDING_CHECK, self._pending_check)

    def _settle_pending(self, time: float, force: bool = False) -> None:
        """A pending Enter that no key followed at burst speed by ``time``
        (or before anything but a text key: ``force``) was typed: it sends
        what was typed before it — before whatever comes next reaches the line."""
        if self.bursts.pending and self.bursts.enter_settled(time, force=force):
            if self._pending_timer is not None:
                self._pending_timer.cancel()
                self._pending_timer = None
            window, self._pending_window = self._pending_window, None
            self.submit(window=window)

    async def _end_burst(self, burst: Burst) -> None:
        """The burst is complete.  Without an Enter it was shown as it came,
        and stays.  With one (what it showed was taken back at that Enter)
        the whole is judged: typed as it came (its keys run again, in order)
        or a paste.  Either way a password in it is refused, and of what it
        showed only the keys typed before the password stay."""
        held, self._held = self._held, []
        undo, self._burst_undo = self._burst_undo, None
        self._last_text_key = None
        self._shown_burst = None
        self._hide_held_hint()
        typing = "\n" not in burst.text or is_typing(burst, self.lag)
        start = self._password_start(burst)
        if start is not None:
            # typed keys stay up to the password (never its Enter); of a
            # paste, only the pieces shown before it (a resumed burst)
            cut = min(start, burst.piece_at) if not typing else start
            if "\n" in burst.text:
                cut = min(cut, burst.text.index("\n"))
            self._take_back(undo)
            await self._type_again(held, cut)
            self._notice(PASSWORD_REFUSED)
        elif "\n" not in burst.text:
            self._shown_burst = (undo, held)  # stays, unless resumed
        elif not typing:
            self.receive_paste(burst.text, arriving_since=burst.last)
        else:
            await self._type_again(held, len(burst.text))

    def _password_start(self, burst: Burst) -> int | None:
        """Where a password begins in the burst: in its last piece alone (a
        short password pasted after a draft), else anywhere in it."""
        policy = self.paste_policy
        in_piece = policy.password_start(burst.piece[0])
        return burst.piece_at + in_piece if in_piece is not None else policy.password_start(burst.text)

    async def _type_again(self, held: list[events.Key], cut: int) -> None:
        """Run the held keys that made the burst's text up to ``cut`` (and
        the editing keys among them) as typed."""
        made = 0
        for key in held:
            text = self._key_text(key)
            if text is not None:
                if made >= cut:
                    return
                made += len(text)
            await self._handle_key(key, held=True)

    def _take_back(self, undo: tuple[str, int] | None) -> None:
        """The line as it was before the burst's first key."""
        if undo is not None:
            self.value, self.cursor_position = undo

    def _arm_burst_timer(self) -> None:
        # (never Textual's one-shot timer: it may drop its tick, and a held burst would stay held)
        self._burst_timer = textual_private.call_after(
            self, self.bursts.remaining(event_clock()) + 0.001, self._burst_check)

    async def _burst_check(self) -> None:
        if not self.bursts.active:
            return  # ended by a later key already
        burst = self.bursts.finished(event_clock())
        if burst is None:
            self._arm_burst_timer()
        else:
            await self._end_burst(burst)

    def _show_held_hint(self) -> None:
        if self.bursts.holding and not self.has_class("-held"):
            self._placeholder = self.placeholder
            self.add_class("-held")
            self.placeholder = HELD_HINT

    def _hide_held_hint(self) -> None:
        if self._hint_timer is not None:
            self._hint_timer.cancel()
            self._hint_timer = None
        if self.has_class("-held"):
            self.remove_class("-held")
            self.placeholder = self._placeholder

    # -- our own stalls ----------------------------------------------------
    def watch_the_loop(self, event: events.Key) -> None:
        """Note how late this key reached us, and keep the heartbeat going
        while keys come: both show stalls of our own (tui.paste.LoopLag).
        And whether the terminal has said it brackets pastes."""
        if not self.bursts.pastes_bracketed and terminal_modes.brackets_pastes(self.app):
            self.bursts.bracketed()  # the terminal said so (DECRQM): bursts are typing
        keys_first.key_pressed()
        now = event_clock()
        self.lag.key(event.time, now)
        self._last_key_handled = now
        if self._heartbeat is None:
            self._beat_due(now + HEARTBEAT)

    def _beat_due(self, due: float) -> None:
        loop = asyncio.get_running_loop()
        self._heartbeat = loop.call_at(loop.time() + (due - event_clock()), self._beat, due)

    def _beat(self, due: float) -> None:
        now = event_clock()
        self.lag.beat(due, now)
        if now - self._last_key_handled > HEARTBEAT_LINGER or not self.is_attached:
            self._heartbeat = None
        else:
            self._beat_due(now + HEARTBEAT)

    def _on_mount(self, _event: events.Mount) -> None:
        terminal_modes.ask(self.app)  # does it bracket pastes? (answered before the first paste)

    def _on_unmount(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    # -- pastes ---------------------------------------------------------------
    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self._settle_pending(event.time, force=True)  # an Enter typed before the paste sends nothing of it
        self.bursts.bracketed()  # this terminal brackets its pastes: bursts are typing
        self.receive_paste(event.text)

    def receive_paste(self, raw: str, arriving_since: float | None = None) -> None:
        """Pasted text: inserted, refused or confirmed — never sent as is.
        ``arriving_since``: a raw paste (a burst) whose last key came then;
        more of it may still be arriving."""
        decision = self.paste_policy.decide(raw)
        if decision.verdict is Verdict.REFUSE:
            self._notice(PASSWORD_REFUSED)
        elif decision.verdict is Verdict.INSERT:
            if decision.text:
                if self.selection.is_empty:
                    self.insert_text_at_cursor(decision.text)
                else:
                    self.replace(decision.text, *self.selection)
        else:
            self.confirm_paste(raw, decision, arriving_since)

    def confirm_paste(self, raw: str, decision: Decision, arriving_since: float | None = None) -> None:
        """Ask what to do with a paste. It joins the draft at the cursor, as
        typed text would: the prompt shows, and sends, draft and paste
        together (a draft ``/msg bob `` takes the paste as its text); a
        cancelled paste leaves the draft as it was.  The rest of a raw paste
        arriving meanwhile joins it (see PasteConfirmScreen)."""
        from ..paste_confirm import EDIT, SEND_EACH, SEND_ONE, PasteConfirmScreen

        start, end = sorted(self.selection) if not self.selection.is_empty else (self.cursor_position,) * 2
        before, after = self.value[:start], self.value[end:]
        target, window = self.paste_target(), self.paste_window()

        def shown(pasted: Decision) -> Decision:
            return Decision(pasted.verdict, before + pasted.text + after, pasted.warning)

        def grown(more: str) -> Decision:
            return self.paste_policy.decide(raw + more)

        prompt = PasteConfirmScreen(shown(decision), target, arriving_since=arriving_since,
                                    gap=self.bursts.quiet, burst=self.bursts.gap if self.bursts.on else 0.0,
                                    grow=lambda more: shown(grown(more)))

        def chosen(choice: str | None) -> None:
            self.asking = False
            self._prompt = None
            pasted = grown("".join(prompt.more))
            if pasted.verdict is Verdict.REFUSE:
                self._notice(PASSWORD_REFUSED)
                return
            # pasted text starting the line is text: "/etc/hosts" is not a command
            whole = before + (pasted.text if before else literal(pasted.text)) + after
            if choice in (SEND_ONE, SEND_EACH):
                self.value = ""
            if choice == SEND_ONE:
                self._entered(whole, window=window)
            elif choice == SEND_EACH:
                first, *rest = whole.split("\n")
                lines = [line for line in [first] + [literal(line) for line in rest] if line.strip()]
                if lines:
                    self._entered(lines[0], more=tuple(lines[1:]), window=window)
            elif choice == EDIT:
                self.open_composer(pasted.text)
            else:
                self._notice("Paste cancelled.", error=False)

        self.asking = True
        self._prompt = prompt
        self.app.push_screen(prompt, chosen)

    # -- what the input line does with what the guard lets through ----------
    async def _handle_key(self, event: events.Key, held: bool = False) -> None:
        """Run a key as typed (``held``: a key of a burst that was typing)."""
        raise NotImplementedError

    def _edit_action(self, event: events.Key) -> tuple | None:
        """The editing action a non-text key runs, if any (held in a burst)."""
        return None

    def _goes_to_app(self, key: str) -> bool:
        """A printable key that is an app binding, not text."""
        return False

    def submit(self, window: object | None = None) -> None:
        """A typed Enter: send what was typed before it (to ``window``, when
        not the window active as it is handled)."""
        raise NotImplementedError

    def open_composer(self, insert: str) -> None:
        """Continue in the multi-line composer (a paste to edit)."""
        raise NotImplementedError

    def _notice(self, text: str, error: bool = True) -> None:
        """Tell the user (a refused or cancelled paste)."""
        raise NotImplementedError

    def _entered(self, value: str, *, more: tuple[str, ...] = (), window: object | None = None) -> None:
        """Send ``value`` (and ``more`` lines) to ``window``: a confirmed paste."""
        raise NotImplementedError
