"""muc: see docs/architecture.md."""
