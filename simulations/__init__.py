"""simulations room."""
