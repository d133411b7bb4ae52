"""The session log (app.store.session_log) and the modules behind it."""
