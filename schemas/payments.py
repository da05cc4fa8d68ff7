from marshmallow import Schema, fields


class NavigateSchema(Schema):
    appId = fields.String()
    path = fields.String()
    extraData = fields.Dict()
    envVersion = fields.String()


class ChannelSchema(Schema):
    channel = fields.String()
    label = fields.String()
    navigate = fields.Nested(NavigateSchema)


class PaymentTargetSchema(Schema):
    amount_fen = fields.Integer(allow_none=True)
    channel = fields.String()
    channels = fields.List(fields.Nested(ChannelSchema))
    navigate = fields.Nested(NavigateSchema)
    qr_url = fields.String()
    agency_name = fields.String()
    tax_authority_name = fields.String()
    window_closes_at = fields.DateTime()
    qr_target = fields.String()


class ReceiptSchema(Schema):
    voucher_no = fields.String(allow_none=True)
    amount_fen = fields.Integer()
    paid_at = fields.DateTime()
    channel = fields.String()


class ReceiptListSchema(Schema):
    receipts = fields.List(fields.Nested(ReceiptSchema))


class VerificationSchema(Schema):
    valid = fields.Boolean()
    message = fields.String()
    name = fields.String()
    id_number = fields.String()
    zone_name = fields.String()
    year = fields.Integer()
    insurance = fields.String()


class PaymentCheckSchema(Schema):
    checked = fields.Boolean()
    status = fields.String()
    status_label = fields.String()


class LinkSchema(Schema):
    url = fields.String()
    expires_in = fields.Integer()
