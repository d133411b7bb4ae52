"""A local stand-in for 淘宝直播's live-plan and live-control pages (see server.py)."""
