from marshmallow import Schema, fields

from miniapp_backend.inputs import Text


class NavigateSchema(Schema):
    appId = Text()
    path = Text()
    extraData = fields.Dict()
    envVersion = Text()


class ChannelSchema(Schema):
    channel = Text()
    label = Text()
    navigate = fields.Nested(NavigateSchema)


class PaymentTargetSchema(Schema):
    amount_fen = fields.Integer(allow_none=True)
    channel = Text()
    channels = fields.List(fields.Nested(ChannelSchema))
    navigate = fields.Nested(NavigateSchema)
    qr_url = Text()
    agency_name = Text()
    tax_authority_name = Text()
    window_closes_at = fields.DateTime()
    window_closed = fields.Boolean()
    qr_target = Text()


class ReceiptSchema(Schema):
    id = fields.Integer()
    voucher_no = Text(allow_none=True)
    amount_fen = fields.Integer()
    paid_at = fields.DateTime()
    channel = Text()


class ReceiptListSchema(Schema):
    receipts = fields.List(fields.Nested(ReceiptSchema))


class VerificationSchema(Schema):
    valid = fields.Boolean()
    message = Text()
    name = Text()
    id_number = Text()
    zone_name = Text()
    year = fields.Integer()
    insurance = Text()


class PaymentCheckSchema(Schema):
    checked = fields.Boolean()
    status = Text()
    status_label = Text()


class LinkSchema(Schema):
    url = Text()
    expires_in = fields.Integer()
