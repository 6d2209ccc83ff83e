"""blog: see docs/architecture.md."""
