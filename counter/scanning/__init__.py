"""Scanners: QR/barcode readers in serial (COM) mode; document scanners arrive with their issue."""
