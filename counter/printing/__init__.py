"""Printing: forms are built once as a small layout model (layout.py), then rendered to PDF (A5/A4) or ESC/POS.

Pure of UI and storage: services hand plain data in, bytes come out, targets deliver them.
"""
