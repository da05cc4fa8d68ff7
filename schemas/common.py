"""Shared schemas: the error body of every API error."""

from marshmallow import Schema, fields

from miniapp_backend.inputs import Text


class ErrorSchema(Schema):
    code = Text(required=True)
    message = Text(required=True)
    errors = fields.Dict(keys=Text(), values=fields.List(Text()))
    details = fields.Dict()
