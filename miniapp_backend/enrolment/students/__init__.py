"""Students as WeChat users: signing in, bearer tokens, and what a student sees on their home page."""
