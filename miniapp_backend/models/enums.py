"""Enumerations of the domain, each value with its Chinese label."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label for students and reviewers."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class RegistrationStatus(LabelledEnum):
    DRAFT = 'draft', '草稿'
    SUBMITTED = 'submitted', '已提交'
    UNDER_REVIEW = 'under_review', '审核中'
    RETURNED = 'returned', '已退回'
    REJECTED = 'rejected', '不予通过'
    APPROVED = 'approved', '待缴费'
    PAID = 'paid', '参保成功'
    WITHDRAWN = 'withdrawn', '已撤回'
    EXPIRED = 'expired', '已过期'
    #: Taken back by staff before approval (撤销), with a reason; the student may register again.
    REVOKED = 'revoked', '已撤销'


#: Statuses that hold the one active registration a person may have per year (DESIGN §3.5).
ACTIVE_STATUSES = (
    RegistrationStatus.SUBMITTED,
    RegistrationStatus.UNDER_REVIEW,
    RegistrationStatus.RETURNED,
    RegistrationStatus.APPROVED,
    RegistrationStatus.PAID,
)


class IdType(LabelledEnum):
    RESIDENT_ID = 'resident_id', '居民身份证'
    HK_MACAU_PERMIT = 'hk_macau_permit', '港澳居民居住证'
    TAIWAN_PERMIT = 'taiwan_permit', '台湾居民居住证'
    FOREIGN_PERMANENT = 'foreign_permanent', '外国人永久居留身份证'


class MaritalStatus(LabelledEnum):
    UNMARRIED = 'unmarried', '未婚'
    MARRIED = 'married', '已婚'
    DIVORCED = 'divorced', '离婚'
    WIDOWED = 'widowed', '丧偶'


class Identity(LabelledEnum):
    COLLEGE_STUDENT = 'college_student', '大学生'


class SpecialIdentity(LabelledEnum):
    SUBSISTENCE_ALLOWANCE = 'subsistence_allowance', '低保对象'
    EXTREME_POVERTY = 'extreme_poverty', '特困人员'
    DISABILITY = 'disability', '残疾人'
    POVERTY_MONITORING = 'poverty_monitoring', '防止返贫监测对象'
    ORPHAN = 'orphan', '孤儿'


class InsuredStatus(LabelledEnum):
    NORMAL = 'normal', '正常参保'
    SUSPENDED = 'suspended', '暂停参保'


class SuspensionStatus(LabelledEnum):
    SUBMITTED = 'submitted', '等待原参保地确认'
    CONFIRMED = 'confirmed', '已暂停'
    REFUSED = 'refused', '未通过'


class PaymentChannel(LabelledEnum):
    TAX = 'tax', '税务系统缴费'
    FAMILY = 'family', '个人共济'
    CASH = 'cash', '现金缴费'


class PaymentSource(LabelledEnum):
    GATEWAY = 'gateway', '税务查询'
    RECONCILIATION = 'reconciliation', '对账导入'
    CASH = 'cash', '现金登记'


class NotificationKind(LabelledEnum):
    APPROVED = 'approved', '审核通过'
    RETURNED = 'returned', '已退回'
    REJECTED = 'rejected', '不予通过'
    PAID = 'paid', '缴费成功'
    SUSPENSION_CONFIRMED = 'suspension_confirmed', '停保已确认'
    SUSPENSION_REFUSED = 'suspension_refused', '停保未通过'
    WINDOW_CLOSING = 'window_closing', '缴费即将截止'
    SUBMITTED = 'submitted', '已受理'
    EXPIRED = 'expired', '登记已过期'
    RENEWAL = 'renewal', '续保待缴费'
    ROSTER_REMINDER = 'roster_reminder', '参保提醒'
    REVOKED = 'revoked', '已撤销'


class NotificationStatus(LabelledEnum):
    PENDING = 'pending', '待发送'
    WAITING_QUOTA = 'waiting_quota', '待订阅'
    SENDING = 'sending', '发送中'
    SENT = 'sent', '已发送'
    FAILED = 'failed', '发送失败'
    #: The request reached WeChat but no answer came back: it may have been delivered, so it is never resent.
    UNKNOWN = 'unknown', '发送结果未知'


class ReviewerRole(LabelledEnum):
    ZONE_ADMIN = 'zone_admin', '专区管理员'
    CENTRE_REVIEWER = 'centre_reviewer', '医保中心审核员'
    SCHOOL_ADMIN = 'school_admin', '学校管理员'
    COLLEGE_REVIEWER = 'college_reviewer', '学院审核员'
    COUNSELLOR = 'counsellor', '辅导员'


class ProofMethod(LabelledEnum):
    FACE = 'face', '人脸核身'
    EARLIER_REGISTRATION = 'earlier_registration', '本人往年登记'
    PHONE = 'phone', '已验证手机号'
    CENTRE = 'centre', '医保中心审核'


class ProofStatus(LabelledEnum):
    PENDING = 'pending', '待审核'
    PASSED = 'passed', '已通过'
    FAILED = 'failed', '未通过'


class ActorType(LabelledEnum):
    STUDENT = 'student', '学生'
    REVIEWER = 'reviewer', '审核员'
    SYSTEM = 'system', '系统'


class StudyMode(LabelledEnum):
    FULL_TIME = 'full_time', '全日制'
    PART_TIME = 'part_time', '非全日制'


class ImportKind(LabelledEnum):
    SCHOOL_ROSTER = 'school_roster', '学籍名单'
    REGISTRATIONS = 'registrations', '批量参保登记'
    SUSPENSIONS = 'suspensions', '批量停保登记'
    ROSTER = 'roster', '参保名册'
    RECONCILIATION = 'reconciliation', '税务对账'
    SUBSIDISED = 'subsidised', '资助对象名单'


class ImportStatus(LabelledEnum):
    QUEUED = 'queued', '排队中'
    RUNNING = 'running', '处理中'
    FINISHED = 'finished', '已完成'
    FAILED = 'failed', '失败'
