"""Marshmallow schemas of the mini-program API and the admin forms, one module per resource; marshmallow's own
messages are put in Chinese first (schemas/chinese.py)."""

from schemas.chinese import install

install()
