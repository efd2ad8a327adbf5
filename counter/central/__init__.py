"""Central server (FastAPI over PostgreSQL, SQLite for a one-machine demo) and the public tracking page."""
