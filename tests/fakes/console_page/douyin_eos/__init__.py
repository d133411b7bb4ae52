"""A local stand-in for 抖音团购's live console (see server.py)."""
