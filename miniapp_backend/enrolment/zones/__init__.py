"""The regional zones (地方专区): which are open to students, and the settings their admins edit."""
