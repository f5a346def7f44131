"""Separate servers speaking the documented protocols of outside systems (no Django, no platform imports)."""
