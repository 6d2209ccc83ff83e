"""Parlons: a keyboard-first XMPP client for the terminal."""

__version__ = "0.1.0"
