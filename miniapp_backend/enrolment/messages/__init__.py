"""Subscription messages to students: written to the outbox with a change, delivered to WeChat against a quota."""
