"""Microblog commands (XEP-0277): /blog and its actions.

The account's blog window lists the entries its model knows (ours and our
contacts'), numbered: the actions that take N mean the entry numbered N in
that window (see :mod:`tui.core.blog_lines`).
"""

from __future__ import annotations

from ..core.blog import Entry
from ..core.blog_lines import BlogView, split_post
from ..core.jids import bare_jid, looks_like_jid
from ..xmpp.blog.items import BlogError
from .context import Context, account_named, jid_argument
from .registry import Arg, CommandError, Registry

BLOG_ACTIONS = ("read", "more", "post", "edit", "delete", "show", "comment", "tag", "search")


def _action_or_jid(text: str) -> str:
    """``/blog JID`` is ``/blog read JID``: the action argument takes a JID too."""
    if not looks_like_jid(text.strip()):
        raise ValueError(text)
    return bare_jid(text.strip())


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
            raise CommandError("Usage: /blog [JID|read JID|more|tag TAG|search WORDS|post TEXT|edit N TEXT|"
                               "delete N|show N|comment N TEXT]")
        _timeline(ctx, account)
        return
    if action not in BLOG_ACTIONS:  # a JID: /blog JID
        action, rest = "read", action
    if action in ("read", "more"):
        await _read_blog(ctx, account, action, rest)
    elif action in ("tag", "search"):
        _narrow(ctx, account, action, rest)
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
        view.open(entry)  # and read: no longer unread
        view = open_blog_window(ctx, account)
        if entry.comments is not None:
            await blog.comments.read(entry)
    elif action == "comment":
        number, text = _number_and_text(action, rest, text=True)
        _view, entry = _entry(ctx, account, number)
        await blog.comments.post(entry, text)
        ctx.out(f"Commented on entry #{number}")


def _timeline(ctx: Context, account) -> None:
    """``/blog``: our entries and our contacts' merged, newest first; their
    blogs are read in the background (what the server pushes comes anyway)."""
    view = open_blog_window(ctx, account)
    view.set_filter()
    view.last_read = None
    contacts = [c.jid for c in account.roster.model if c.subscription in ("to", "both")]
    account.blog.read_timeline(contacts)
    ctx.client.blog_windows.refresh(view)


async def _read_blog(ctx: Context, account, action: str, rest: str) -> None:
    """``/blog JID`` (``/blog read JID``): JID's blog in the pane; ``/blog
    more``: older entries of the blog shown (the pane asks for them too when
    scrolled past its end)."""
    view = ctx.client.blog_windows.view(account.jid) or open_blog_window(ctx, account)
    if action == "read":
        if not rest.strip():
            raise CommandError("Usage: /blog JID (or /blog read JID)")
        jid = jid_argument(rest)
        view.last_read = jid
        view.set_filter(author=jid)
        ctx.client.blog_windows.refresh(view)  # the pane shows that blog while it is read
    elif view.last_read is None:
        raise CommandError("Nothing read yet: /blog JID first")
    jid = view.last_read
    feed = await account.blog.read(jid, older=action == "more")
    view = open_blog_window(ctx, account)
    more = "" if feed.complete else " — /blog more (or scroll past the end) for older ones"
    ctx.out(f"{jid}: {len(feed)} entr{'y' if len(feed) == 1 else 'ies'}{more}")


def _narrow(ctx: Context, account, action: str, rest: str) -> None:
    """``/blog tag TAG``, ``/blog search WORDS``: the entries read so far
    (the timeline, or the blog shown) that carry the tag or hold every word."""
    words = rest.strip()
    if not words:
        raise CommandError(f"Usage: /blog {action} {'TAG' if action == 'tag' else 'WORDS'}")
    view = ctx.client.blog_windows.view(account.jid) or open_blog_window(ctx, account)
    author = view.author
    if action == "tag":
        view.set_filter(author=author, tag=words.lstrip("#"))
    else:
        view.set_filter(author=author, search=words)
    view = open_blog_window(ctx, account)
    found = len(view.rows(account.blog.model))
    ctx.out(f"{view.describe()}: {found} entr{'y' if found == 1 else 'ies'} (/blog for the whole timeline)")


async def _blog_reporting(ctx: Context, args) -> None:
    try:
        await _blog(ctx, args)
    except BlogError as exc:
        raise CommandError(str(exc)) from None


def register(registry: Registry) -> None:
    registry.command(
        "blog",
        args=(Arg("action", required=False, choices=BLOG_ACTIONS, type=_action_or_jid, metavar="JID"),
              Arg("rest", required=False, rest=True, metavar="JID|N [TEXT]")),
        summary="Your blog timeline or a contact's blog; by tag or words; post, edit, delete, comment",
        group="blog",
        description="Without arguments, opens the account's blog window on your timeline: the entries "
                    "of your blog and of your contacts' blogs, newest first, each numbered #N (the number "
                    "stays while the window is open). New entries of contacts come by themselves.\n"
                    "In the pane: Up/Down (j/k) move, Enter opens, Esc goes back, PgUp/PgDn page, n goes to "
                    "the next unread entry, e/d/c edit, delete, comment.\n"
                    "JID (or read JID) shows JID's blog; more pages in older entries of it.\n"
                    "tag TAG lists the entries with that tag; search WORDS those holding every word "
                    "(among the entries read so far).\n"
                    "post TEXT publishes: the first line is the title (Alt+Enter for a new line).\n"
                    "edit N TEXT replaces the text of your entry #N; delete N removes it.\n"
                    "show N shows entry #N in full with its comments (/blog goes back to the list); "
                    "comment N TEXT comments on it.",
        examples=("/blog", "/blog bob@example.org", "/blog more", "/blog tag xmpp", "/blog search fosdem", "/blog post Hello world",
                  "/blog show 2", "/blog comment 2 nice!", "/blog edit 3 Hello, world", "/blog delete 3"),
    )(_blog_reporting)
