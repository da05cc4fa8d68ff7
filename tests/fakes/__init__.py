"""Fake WeChat, tax-bureau and origin-zone servers speaking real HTTP on 127.0.0.1."""
