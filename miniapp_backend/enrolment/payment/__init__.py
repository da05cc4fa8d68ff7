"""Paying for an approved registration: what and where to pay, recording payments, polling, deadlines, certificates."""
