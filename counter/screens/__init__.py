"""Textual screens. They call services inside thread workers and never touch the database themselves."""
