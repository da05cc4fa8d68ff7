"""Hostile input: oversized, malformed and malicious requests and files."""
