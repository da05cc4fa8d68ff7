"""The mini-program API through the Flask test client: journeys, access, input, OpenAPI."""
