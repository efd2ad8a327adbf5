"""Một cửa: the counter's terminal app, its CLI and the central server."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("counter")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
