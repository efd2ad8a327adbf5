"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Xử lý và trả kết quả: counter event (issue 6)
"""

from __future__ import annotations
