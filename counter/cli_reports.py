"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Hàng đợi và báo cáo: counter report ledger|scorecard|queue (issue 7)
"""

from __future__ import annotations
