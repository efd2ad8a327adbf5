"""Một cửa: the counter's terminal app, its CLI and the central server."""


def __getattr__(name: str) -> str:
    """`counter.__version__`, read from the installed metadata only when asked: importlib.metadata costs ~30 ms,
    which every process (the app, `counter --help`) would otherwise pay at its first import."""
    if name != "__version__":
        raise AttributeError(f"module 'counter' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("counter")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
