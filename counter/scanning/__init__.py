"""Scanners: QR/barcode readers in serial (COM) mode (qr_serial), document scanners through SANE (sane),
the watched folder of network scanners (watch), file import and the PDF of a document (files), OCR (ocr)."""
