"""app.commerce.desk."""
