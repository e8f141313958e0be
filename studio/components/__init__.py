"""Reusable pieces of the studio pages."""
