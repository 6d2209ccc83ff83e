"""The demo's blogs (XEP-0277): bob and carol have entries when alice
arrives — one in XHTML with tags, one with comments — and while the demo
runs carol posts a new one and bob comments on it, so ``/blog`` shows a
timeline that lives. Plain Atom over PEP from raw slixmpp, the way Movim and
Libervia publish (text and XHTML contents, author, replies link)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from slixmpp.exceptions import IqError, IqTimeout

from tui.xmpp.blog.comments import NODE_OPTIONS
from tui.xmpp.blog.service import blog_options
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX, NS_MICROBLOG, pubsub_uri
from tui.xmpp.pep import NODE_CONFIG, PUBLISH_OPTIONS, pubsub_form

TIMEOUT = 15


@dataclass(frozen=True)
class Post:
    author: str  # the bot's nick
    item_id: str  # fixed: a second demo run replaces it
    title: str
    text: str
    xhtml: str = ""  # the inside of the XHTML <div>, when the entry has one
    tags: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = field(default=())  # (nick, text)


AT_START = (
    Post("bob", "demo-welcome", "Trying Parlons",
         "Terminal XMPP with blogs: /blog lists this, Enter opens it,\nc comments on it.",
         comments=(("carol", "Welcome to the blogosphere, bob!"),
                   ("carol", "Tip: j and k move in the list, n goes to the next unread."))),
    Post("carol", "fosdem-notes", "Notes from the XMPP devroom",
         "Three talks I liked: MLS, a new MUC, and terminal clients.",
         xhtml="<h2>Three talks I liked</h2><ul><li><b>MLS</b> for groups</li>"
               "<li>a <i>faster</i> MUC</li><li>terminal clients, <a href='https://xmpp.org/'>xmpp.org</a>"
               "</li></ul><blockquote>Decentralised is the point.</blockquote>",
         tags=("xmpp", "fosdem")),
    Post("bob", "tea-notes", "Tea at four", "A pot of oolong, and the lounge is quiet.", tags=("tea",)),
)

WHILE_RUNNING = Post("carol", "live-entry", "Written while you watch",
                     "This entry arrived live: the blog window lit up without a command.",
                     tags=("demo",), comments=(("bob", "Seen it arrive. Nice."),))


def atom(jid: str, nick: str, post: Post, comments_service: str) -> ET.Element:
    when = datetime.now(timezone.utc).isoformat()
    replies = escape(pubsub_uri(comments_service, COMMENTS_PREFIX + post.item_id), {"'": "&apos;"})
    contents = f"<content type='text'>{escape(post.text)}</content>"
    if post.xhtml:
        contents += f"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>{post.xhtml}</div></content>"
    tags = "".join(f"<category term='{escape(tag)}'/>" for tag in post.tags)
    return ET.fromstring(
        '<entry xmlns="http://www.w3.org/2005/Atom">'
        f"<id>xmpp:{escape(jid)}?;node={NS_MICROBLOG};item={escape(post.item_id)}</id>"
        f"<title type='text'>{escape(post.title)}</title>{contents}{tags}"
        f"<author><name>{escape(nick.capitalize())}</name><uri>xmpp:{escape(jid)}</uri></author>"
        f"<link rel='replies' title='comments' href='{replies}'/>"
        f"<published>{when}</published><updated>{when}</updated></entry>")


async def publish(bots: dict, post: Post, comments_service: str) -> None:
    """``post`` on its author's blog (open to everyone), its comments node
    made (anyone may comment), then its comments."""
    bot = bots[post.author]
    me, node = bot.boundjid.bare, COMMENTS_PREFIX + post.item_id
    pubsub = bot.plugin["xep_0060"]
    try:
        await pubsub.create_node(comments_service, node, config=pubsub_form(NODE_CONFIG, NODE_OPTIONS),
                                 timeout=TIMEOUT)
    except (IqError, IqTimeout) as exc:  # conflict: made by an earlier demo run
        logging.info("%s: comments node: %r", post.author, exc)
    try:
        await pubsub.publish(me, NS_MICROBLOG, id=post.item_id, payload=atom(me, post.author, post, comments_service),
                             options=pubsub_form(PUBLISH_OPTIONS, blog_options("open")), timeout=TIMEOUT)
    except (IqError, IqTimeout) as exc:
        logging.warning("%s could not publish a blog entry: %r", post.author, exc)
        return
    for number, (nick, text) in enumerate(post.comments):
        await comment(bots[nick], comments_service, node, f"{post.item_id}-c{number}", text)


async def comment(bot, comments_service: str, node: str, item_id: str, text: str) -> None:
    me, nick = bot.boundjid.bare, bot.boundjid.user
    when = datetime.now(timezone.utc).isoformat()
    entry = ET.fromstring(
        '<entry xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(item_id)}</id><title type='text'>{escape(text)}</title>"
        f"<author><name>{escape(nick.capitalize())}</name><uri>xmpp:{escape(me)}</uri></author>"
        f"<published>{when}</published><updated>{when}</updated></entry>")
    try:
        await bot.plugin["xep_0060"].publish(comments_service, node, id=item_id, payload=entry, timeout=TIMEOUT)
    except (IqError, IqTimeout) as exc:
        logging.warning("%s could not comment: %r", nick, exc)
