"""Bookmark commands: /bookmark [autojoin|remove] [room], /bookmarks.

``/bookmark`` is not declared room-only: ``/bookmark remove ROOM`` (and
``/bookmark autojoin ROOM``) make sense from any window. Without a ROOM it needs a
room window and refuses elsewhere with one line, as a room-only command would.
"""

from __future__ import annotations

from ..text import sanitize_line
from .contacts import parse_jid
from ..xmpp.muc.bookmarks import Bookmark, BookmarkError, room_jid
from .context import Context, account_named
from .registry import Arg, CommandError, Registry

ACTIONS = ("autojoin", "remove")


def _room_of(ctx: Context, given: str | None, action: str | None) -> str:
    if given:
        room = room_jid(parse_jid(given))  # an invalid JID is said as such first
        if room is None:
            raise CommandError(f"Not a room JID: {sanitize_line(given)} (expected room@service)")
        return room
    if ctx.window.room_jid is not None:
        return ctx.window.room_jid.lower()
    if action == "remove":
        raise CommandError("/bookmark remove needs a ROOM outside room windows")
    raise CommandError("/bookmark works only in room windows (elsewhere: /bookmark autojoin|remove ROOM)")


def _joined_as(account, room: str) -> tuple[str | None, str | None]:
    """Our nick and the password in ``room``, when the MUC service knows them."""
    rooms = getattr(getattr(account, "muc", None), "rooms", None) or {}
    joined = rooms.get(room)
    if joined is None:
        return None, None
    return (getattr(joined, "nick", None) or None), (getattr(joined, "password", None) or None)


def describe(bookmark: Bookmark) -> str:
    parts = [sanitize_line(bookmark.name) if bookmark.name else bookmark.jid]
    if bookmark.name:
        parts.append(f"({bookmark.jid})")
    if bookmark.nick:
        parts.append(f"as {sanitize_line(bookmark.nick)}")
    if bookmark.autojoin:
        parts.append("[autojoin]")
    return " ".join(parts)


def register(registry: Registry) -> None:
    cmd = registry.command

    @cmd("bookmark",
         args=(Arg("action", required=False, choices=ACTIONS),
               Arg("room", required=False, completer="room", metavar="ROOM")),
         summary="Bookmark this room (autojoin: join it on connect), or remove a bookmark",
         group="rooms",
         description="In a room window, /bookmark saves the room on your server (XEP-0402, or "
                     "XEP-0048 on older servers) with your nick and its password; /bookmark autojoin "
                     "also joins it whenever you connect. /bookmark remove [ROOM] deletes the bookmark "
                     "(this room's by default). Other clients of your account see the same bookmarks.",
         examples=("/bookmark", "/bookmark autojoin", "/bookmark remove",
                   "/bookmark remove lounge@conference.example.org"))
    async def _bookmark(ctx: Context, args) -> None:
        room = _room_of(ctx, args.room, args.action)
        account = account_named(ctx, None)
        bookmarks = account.bookmarks
        try:
            if args.action == "remove":
                await bookmarks.remove(room)
                ctx.out(f"Bookmark removed: {room}")
                return
            known = bookmarks.get(room)
            nick, password = _joined_as(account, room)
            saved = await bookmarks.add(
                room,
                name=known.name if known else None,
                nick=nick or (known.nick if known else None),
                password=password or (known.password if known else None),
                autojoin=args.action == "autojoin",
            )
        except BookmarkError as exc:
            raise CommandError(f"Bookmark of {room} failed: {exc}") from None
        ctx.out(f"Bookmarked {describe(saved)}")

    @cmd("bookmarks", summary="List your bookmarked rooms", group="rooms",
         examples=("/bookmarks",))
    async def _bookmarks(ctx: Context, args) -> None:
        account = account_named(ctx, None)
        if not account.bookmarks.loaded:
            try:
                await account.bookmarks.load()
            except BookmarkError as exc:
                raise CommandError(f"Cannot read bookmarks: {exc}") from None
        found = account.bookmarks.list()
        if not found:
            ctx.out("No bookmarks (in a room window: /bookmark or /bookmark autojoin)")
            return
        ctx.out(f"Bookmarks ({len(found)}):")
        for bookmark in found:
            ctx.out(f"  {describe(bookmark)}")
