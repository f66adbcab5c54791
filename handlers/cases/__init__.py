"""Logging cases and following them to an outcome."""
