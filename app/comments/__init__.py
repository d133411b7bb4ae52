"""app.comments."""
