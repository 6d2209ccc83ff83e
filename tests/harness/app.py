"""Running the real Parlons app headless (Pilot) against the test server."""

from __future__ import annotations

import contextlib
from pathlib import Path

from tests.harness.wait import until
from screens.app import ParlonsApp
from tui.config import AccountConfig, Config
from tui.core.model import ConnectionState
from tui.xmpp.account.backoff import Backoff


def account_config(server, jid: str, password: str, **overrides) -> AccountConfig:
    values = dict(jid=jid, password=password, host=server.host, port=server.c2s_port,
                  ca_file=Path(server.ca_file), resource="parlons")
    values.update(overrides)
    return AccountConfig(**values)


def fast_backoff() -> Backoff:
    return Backoff(base=0.2, cap=1.0)


@contextlib.asynccontextmanager
async def running_app(config: Config | None, *, size=(120, 40), wait_online: bool = True,
                      config_path: Path | None = None, data_dir: Path | None = None):
    """Yield (app, pilot) with every account online (unless told not to wait).
    ``data_dir`` (history) defaults to the test session's private XDG dir."""
    app = ParlonsApp(config, config_path, backoff_factory=fast_backoff, data_dir=data_dir)
    async with app.run_test(size=size) as pilot:
        if wait_online and config is not None:
            await until(
                lambda: len(app.client.accounts) == len(config.accounts) and all(
                    a.session.status.state is ConnectionState.ONLINE and a.session.announced
                    for a in app.client.accounts),
                timeout=10, message=lambda: status_text(app),
            )
            # A round trip after our first presence: once it is back, the server
            # has processed the presence (one ordered stream), so a peer's message
            # sent from now on is delivered live, not to offline storage.
            for account in app.client.accounts:
                await account.session.xmpp.plugin["xep_0199"].ping(timeout=10)
            # and the login's archive catch-up is over: a peer's message sent from
            # now on arrives live only, not also as a result of that reading
            await until(lambda: all(a.chat.archive.caught_up or not a.chat.history.enabled
                                    for a in app.client.accounts),
                        timeout=10, message=lambda: status_text(app))
        yield app, pilot


def status_text(app: ParlonsApp) -> str:
    return "\n".join(f"{l.nick} {l.body}" for l in app.client.windows.status.lines)


def window_text(window) -> str:
    return "\n".join(f"{l.nick} {l.body}" for l in window.lines)


def screen_lines(app: ParlonsApp) -> list[str]:
    """What the message log shows right now, row by row."""
    assert app.main is not None
    log_view = app.main.log_view
    return [log_view.render_line(y).text for y in range(log_view.size.height)]


def screen_text(app: ParlonsApp) -> str:
    return "\n".join(screen_lines(app))


def draws_without_ticks(screen) -> list[set]:
    """Stop ``screen``'s update timer for good (its tick never comes) and
    record the widgets each compositor update draws from then on: what
    reaches the screen without waiting for a tick
    (``screens.textual_private.draw_soon``)."""
    screen._update_timer.pause()
    screen._update_timer.resume = lambda: None
    return recorded_draws(screen)


def recorded_layouts(screen) -> list[bool]:
    """Each layout pass of ``screen`` from now on: its ``scroll`` flag (True:
    a scroll's reflow of what is visible; False: a full layout)."""
    passes: list[bool] = []
    refresh_layout = screen._refresh_layout

    def recording(size=None, scroll=False):
        passes.append(scroll)
        return refresh_layout(size, scroll)

    screen._refresh_layout = recording
    return passes


def recorded_draws(screen) -> list[set]:
    """The widgets each compositor update of ``screen`` draws from now on."""
    drawn: list[set] = []
    update_widgets = screen._compositor.update_widgets

    def recording(widgets):
        drawn.append(set(widgets))
        return update_widgets(widgets)

    screen._compositor.update_widgets = recording
    return drawn
