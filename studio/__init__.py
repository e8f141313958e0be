"""studio room."""
