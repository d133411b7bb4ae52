"""A local stand-in for 小红书千帆's live console (see server.py)."""
