"""Microblog commands (XEP-0277): /blog and its actions.

The account's blog window lists the entries its model knows (ours and our
contacts'), numbered: the actions that take N mean the entry numbered N in
that window (see :mod:`tui.core.blog_lines`).
"""

from __future__ import annotations

from ..core.blog import Entry
from ..core.blog_lines import BlogView, split_post
from ..xmpp.blog.items import BlogError
from .contacts import contact_argument
from .context import Context, account_named
from .registry import Arg, CommandError, Registry

BLOG_ACTIONS = ("read", "more", "post", "edit", "delete", "show", "comment")


def _window_name(ctx: Context, account) -> str:
    several = len(ctx.client.accounts) > 1
    return f"blog:{account.jid.split('@')[0]}" if several else "blog"


def open_blog_window(ctx: Context, account) -> BlogView:
    return ctx.client.blog_windows.open(account.jid, _window_name(ctx, account))


def _number_and_text(action: str, rest: str, *, text: bool) -> tuple[int, str]:
    words = rest.strip().split(None, 1)
    usage = f"Usage: /blog {action} N" + (" TEXT" if text else "")
    if not words or not words[0].lstrip("#").isdigit():
        raise CommandError(usage)
    given = words[1].strip() if len(words) > 1 else ""
    if text and not given or given and not text:
        raise CommandError(usage)
    return int(words[0].lstrip("#")), given


def _entry(ctx: Context, account, number: int) -> tuple[BlogView, Entry]:
    view = ctx.client.blog_windows.view(account.jid)
    entry = view.entry(account.blog.model, number) if view is not None else None
    if view is None or entry is None:
        raise CommandError(f"No entry #{number} in this window")
    return view, entry


def _own(account, number: int, entry: Entry, doing: str) -> None:
    if entry.author != account.jid.lower():
        raise CommandError(f"Entry #{number} is {entry.author}'s: you can {doing} only your own entries")


async def _blog(ctx: Context, args) -> None:
    account = account_named(ctx, None)
    action, rest = args.action, args.rest or ""
    blog = account.blog
    if action is None:
        if rest.strip():
            raise CommandError("Usage: /blog [read CONTACT|more|post TEXT|edit N TEXT|delete N|show N|comment N TEXT]")
        view = open_blog_window(ctx, account)
        view.showing = None
        ctx.client.blog_windows.rebuild(view, force=True)
        return
    if action in ("read", "more"):
        view = ctx.client.blog_windows.view(account.jid) or open_blog_window(ctx, account)
        if action == "read":
            if not rest.strip():
                raise CommandError("Usage: /blog read CONTACT")
            view.last_read = contact_argument(ctx, rest)
        elif view.last_read is None:
            raise CommandError("Nothing read yet: /blog read JID first")
        feed = await blog.read(view.last_read, older=action == "more")
        view = open_blog_window(ctx, account)
        view.showing = None
        ctx.client.blog_windows.rebuild(view, force=True)
        more = "" if feed.complete else " — /blog more for older ones"
        ctx.out(f"{view.last_read}: {len(feed)} entr{'y' if len(feed) == 1 else 'ies'}{more}")
    elif action == "post":
        title, body = split_post(rest)
        if not title:
            raise CommandError("Usage: /blog post TEXT (the first line is the title)")
        await blog.publish(body, title=title)
        ctx.out(f"Published \"{title}\" on your blog")
    elif action == "edit":
        number, text = _number_and_text(action, rest, text=True)
        _view, entry = _entry(ctx, account, number)
        _own(account, number, entry, "edit")
        title, body = split_post(text)
        await blog.edit(entry.id, body, title=title)
        ctx.out(f"Edited entry #{number}")
    elif action == "delete":
        number, _ = _number_and_text(action, rest, text=False)
        _view, entry = _entry(ctx, account, number)
        _own(account, number, entry, "delete")
        await blog.delete(entry.id)
        ctx.out(f"Deleted entry #{number}")
    elif action == "show":
        number, _ = _number_and_text(action, rest, text=False)
        view, entry = _entry(ctx, account, number)
        view.showing = (entry.author, entry.id)
        view = open_blog_window(ctx, account)
        if entry.comments is not None:
            await blog.comments.read(entry)
    elif action == "comment":
        number, text = _number_and_text(action, rest, text=True)
        _view, entry = _entry(ctx, account, number)
        await blog.comments.post(entry, text)
        ctx.out(f"Commented on entry #{number}")


async def _blog_reporting(ctx: Context, args) -> None:
    try:
        await _blog(ctx, args)
    except BlogError as exc:
        raise CommandError(str(exc)) from None


def register(registry: Registry) -> None:
    registry.command(
        "blog",
        args=(Arg("action", required=False, choices=BLOG_ACTIONS),
              Arg("rest", required=False, rest=True, metavar="CONTACT|N [TEXT]", completer="jid")),
        summary="Open your blog window, read a contact's blog, post, edit, delete, comment",
        group="blog",
        description="Without arguments, opens the account's blog window: the entries of your blog "
                    "and of your contacts' blogs, newest first, each numbered #N (the number stays "
                    "while the window is open). New entries of contacts come by themselves.\n"
                    "read CONTACT fetches a blog (a roster name, a unique local part or a JID); more pages in older entries of the last one read.\n"
                    "post TEXT publishes: the first line is the title (Alt+Enter for a new line).\n"
                    "edit N TEXT replaces the text of your entry #N; delete N removes it.\n"
                    "show N shows entry #N in full with its comments (/blog goes back to the list); "
                    "comment N TEXT comments on it.",
        examples=("/blog", "/blog read bob", "/blog read bob@example.org", "/blog more", "/blog post Hello world",
                  "/blog show 2", "/blog comment 2 nice!", "/blog edit 3 Hello, world", "/blog delete 3"),
    )(_blog_reporting)
