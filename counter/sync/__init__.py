"""Sync client: pushes the outbox to the central server and pulls the office's events.

HTTP only; the store side is in services.sync."""
