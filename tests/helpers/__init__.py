"""Helpers shared by test files (imported from here, never from another test file)."""
