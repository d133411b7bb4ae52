"""ui.review."""
