"""Use cases. Each takes a Store (the unit-of-work factory) and returns plain dataclasses."""
