"""The bench's own parts held to what they stand for: the floor app sends what the app's requests send."""
