"""Unit tests of the enrolment rules, called directly (no HTTP) on real PostgreSQL."""
