"""app.store.session_log."""
