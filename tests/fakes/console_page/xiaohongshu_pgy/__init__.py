"""A local stand-in for 小红书蒲公英's pages and live console (see server.py)."""
