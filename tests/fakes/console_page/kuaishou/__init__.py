"""A local stand-in for 快手小店's live console (see server.py)."""
