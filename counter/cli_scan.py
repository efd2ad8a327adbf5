"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Số hóa: counter scan, counter blobs verify|open (issue 5)
"""

from __future__ import annotations
