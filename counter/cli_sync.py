"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Đồng bộ: counter serve, counter sync, counter export portal (issue 8)
"""

from __future__ import annotations
