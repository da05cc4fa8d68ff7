"""Concurrent requests over real HTTP: decisions and payments happen once."""
