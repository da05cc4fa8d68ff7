"""The admin page through the Flask test client: login, scope, decisions, payments, imports, reports."""
