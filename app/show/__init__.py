"""app.show.show."""
