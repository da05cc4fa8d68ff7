"""Shared schemas: the error body of every API error."""
from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    details = fields.Dict()
