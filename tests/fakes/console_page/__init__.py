"""A local stand-in for the 巨量百应 / 抖店 live-control page (see server.py)."""
