"""The app factory, settings, and models against the migrations."""
