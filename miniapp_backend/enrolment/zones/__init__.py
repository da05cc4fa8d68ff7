"""The regional zones (地方专区) and the settings their admins edit."""
