"""The mini-program pages rendered by miniprogram-simulate against the real backend: whole journeys."""
