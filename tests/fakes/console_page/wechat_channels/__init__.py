"""A local stand-in for 视频号助手's live console (see server.py)."""
