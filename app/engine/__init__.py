"""app.engine.session."""
