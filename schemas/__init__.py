"""Marshmallow schemas of the mini-program API and the admin forms, one module per resource."""
