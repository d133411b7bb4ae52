"""app.metrics.tracker."""
