"""app.rooms."""
