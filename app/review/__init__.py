"""app.review.results."""
