"""marshmallow's built-in messages in Chinese: students read every field error the API returns (a missing field
must not come back as "Missing data for required field.")."""

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {'required': '此项为必填项', 'null': '此项不能为空', 'validator_failed': '填写内容不正确'},
    fields.String: {'invalid': '应为文字', 'invalid_utf8': '含有无法识别的字符'},
    fields.Integer: {'invalid': '应为整数'},
    fields.Number: {'invalid': '应为数字', 'too_large': '数值过大'},
    fields.Boolean: {'invalid': '应为是或否'},
    fields.Date: {'invalid': '日期格式不正确', 'format': '日期格式不正确'},
    fields.DateTime: {'invalid': '时间格式不正确', 'invalid_awareness': '时间格式不正确', 'format': '时间格式不正确'},
    fields.Nested: {'type': '格式不正确'},
    fields.List: {'invalid': '应为列表'},
    fields.Mapping: {'invalid': '格式不正确'},
    fields.Decimal: {'special': '应为数字'},
    fields.Email: {'invalid': '邮箱格式不正确'},
}


def install() -> None:
    """Replace the English defaults once, at import of the schemas package."""
    for field, messages in FIELD_MESSAGES.items():
        field.default_error_messages.update(messages)
    Schema._default_error_messages.update({'type': '格式不正确', 'unknown': '不支持的字段'})
    validate.Length.message_min = '长度不能少于{min}个字符'
    validate.Length.message_max = '长度不能超过{max}个字符'
    validate.Length.message_all = '长度应在{min}到{max}个字符之间'
    validate.Length.message_equal = '长度应为{equal}个字符'
    validate.OneOf.default_message = '请从给定选项中选择'
    validate.Regexp.default_message = '格式不正确'
    validate.Range.message_min = '不能小于{{min}}'
    validate.Range.message_max = '不能大于{{max}}'
    validate.Range.message_all = '应在{{min}}到{{max}}之间'
    validate.Email.default_message = '邮箱格式不正确'
