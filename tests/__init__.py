"""The test suite: real PostgreSQL, Redis and HTTP; fake outside servers in tests/fakes/."""
