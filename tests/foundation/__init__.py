"""The app factory, settings, health check and operator commands; the schema against the migrations."""
