"""How the admin page names things: enumeration labels, GB 3304 ethnicities, review stages, money, Beijing time
and the audit history as sentences. Reviewers never read a code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from miniapp_backend.models import AuditEvent, Zone
from miniapp_backend.models.enums import ActorType, LabelledEnum, RegistrationStatus

BEIJING = timezone(timedelta(hours=8))

#: GB/T 3304 民族 names by their two-digit code (97 其他, 98 外国血统中国籍人士).
ETHNICITIES: dict[str, str] = {
    f'{index:02d}': name
    for index, name in enumerate(
        (
            '汉族',
            '蒙古族',
            '回族',
            '藏族',
            '维吾尔族',
            '苗族',
            '彝族',
            '壮族',
            '布依族',
            '朝鲜族',
            '满族',
            '侗族',
            '瑶族',
            '白族',
            '土家族',
            '哈尼族',
            '哈萨克族',
            '傣族',
            '黎族',
            '傈僳族',
            '佤族',
            '畲族',
            '高山族',
            '拉祜族',
            '水族',
            '东乡族',
            '纳西族',
            '景颇族',
            '柯尔克孜族',
            '土族',
            '达斡尔族',
            '仫佬族',
            '羌族',
            '布朗族',
            '撒拉族',
            '毛南族',
            '仡佬族',
            '锡伯族',
            '阿昌族',
            '普米族',
            '塔吉克族',
            '怒族',
            '乌孜别克族',
            '俄罗斯族',
            '鄂温克族',
            '德昂族',
            '保安族',
            '裕固族',
            '京族',
            '塔塔尔族',
            '独龙族',
            '鄂伦春族',
            '赫哲族',
            '门巴族',
            '珞巴族',
            '基诺族',
        ),
        start=1,
    )
}
ETHNICITIES.update({'97': '其他', '98': '外国血统中国籍人士'})

#: Review stages' names when the zone has not named them itself.
STAGE_NAMES = {'counsellor': '辅导员审核', 'college': '学院审核', 'school': '学校审核', 'centre': '医保中心审核'}

#: What a transition's action reads as in a sentence.
ACTION_VERBS = {
    'submit': '提交了参保登记',
    'approve': '审核通过',
    'return': '退回了登记',
    'reject': '不予通过',
    'withdraw': '撤回了登记',
    'revoke': '撤销了登记',
    'mark_paid': '确认缴费成功',
    'expire': '因逾期未缴费将登记置为已过期',
    'renew': '办理了续保（免审核，待缴费）',
}

#: Audit actions other than transitions, as verb phrases.
AUDIT_VERBS = {
    'transition': '办理了登记',
    'open_record': '查看了记录',
    'login': '登录了审核系统',
    'import': '上传了Excel导入',
    'export': '导出了Excel',
    'payment_mismatch': '发现金额不符的缴费（未记为已缴，已标记待核查）',
    'letter_voided': '修改了承诺书所载信息，原承诺书作废，须重新签署',
    'payment_unreadable': '收到无法识别的税务缴费记录，待人工核对',
    'payment_not_recorded': '收到不能登记的税务缴费（如重复缴费），待核对退费',
    'zone_settings': '修改了专区设置',
    'suspension_confirmed': '确认了停保',
    'suspension_refused': '拒绝了停保',
    'suspension_recorded': '登记了电话停保',
    'cash_payment': '登记了现金缴费',
    'roster_exempt': '标记了无需参保',
    'roster_unexempt': '取消了无需参保标记',
    'roster_reminder': '发送了参保提醒',
    'reviewer_created': '创建了审核账号',
    'reviewer_disabled': '停用了审核账号',
    'reviewer_enabled': '启用了审核账号',
    'reviewer_password_reset': '重置了审核账号密码',
    'password_changed': '修改了登录密码',
    'password_change_refused': '修改密码时当前密码不正确',
    'print_certificate': '打印了参保证明',
    'print_receipt': '打印了缴费凭证',
    'claim': '核验本人身份后认领了以其证件号码办理的登记',
    'identity_proof': '以已核验的本人身份办理',
    'identity_proof_refused': '未通过本人身份核验，办理被拒绝',
    'identity_face_started': '发起了人脸核身',
    'identity_face_passed': '人脸核身通过',
    'identity_face_failed': '人脸核身未通过',
    'identity_review_requested': '提交了证件照身份核验申请',
    'identity_review_passed': '核验通过了身份核验申请',
    'identity_review_failed': '核验驳回了身份核验申请',
}

#: Zone settings by the names the settings form gives them (an audit line names what a save changed).
SETTING_NAMES = {
    'premium_fen': '个人缴费标准',
    'year': '参保年度',
    'window_opens_at': '集中参保期开始',
    'window_closes_at': '集中参保期截止',
    'review_stages': '审核流程',
    'stage_names': '审核环节名称',
    'muted_kinds': '推送给学生的消息',
    'pay_appid': '税务缴费小程序AppID',
    'pay_path_template': '缴费页面路径模板',
    'family_channel': '个人共济缴费',
    'face_verification': '微信人脸核身',
    'subsidised_match_required': '资助身份须与资助名单一致',
    'id_photo_required': '须上传参保人身份证照片',
    'family_appid': '个人共济小程序AppID',
    'family_path_template': '个人共济页面路径模板',
    'service_phone': '咨询电话',
    'pay_official_account_url': '家长扫码缴费链接',
    'notices': '首页通知',
    'suspension_delay_minutes': '停保确认等待',
    'remind_days_before_close': '截止前提醒天数',
    'message_templates': '订阅消息模板',
}


def label(value: object) -> str:
    """An enumeration member's Chinese label; '' for None."""
    if value is None:
        return ''
    if isinstance(value, LabelledEnum):
        return value.label
    return str(value)


def status_label(value: str | None) -> str:
    """A registration status stored as a plain string (audit rows) by its label."""
    if not value:
        return ''
    try:
        return RegistrationStatus(value).label
    except ValueError:
        return value


def ethnicity(code: str | None) -> str:
    return ETHNICITIES.get(code or '', '') if code else ''


def stage_name(zone: Zone | None, stage: str | None) -> str:
    """A review stage by the name the zone gave it (its settings), else the default name."""
    if not stage:
        return ''
    names = (zone.stage_names or {}) if zone is not None else {}
    return names.get(stage) or STAGE_NAMES.get(stage, stage)


def stage_names(zone: Zone) -> dict[str, str]:
    return {stage: stage_name(zone, stage) for stage in STAGE_NAMES}


def yuan(fen: int | Decimal | None) -> str:
    """Money in fen as the admin page shows it: ¥400.00."""
    if fen is None:
        return ''
    return f'¥{Decimal(fen) / 100:,.2f}'


def beijing(moment: datetime | None, fmt: str = '%Y-%m-%d %H:%M') -> str:
    """A stored UTC time in Beijing time."""
    if moment is None:
        return ''
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime(fmt)


def actor_name(event: AuditEvent, reviewers: dict[int, str], student_name: str | None = None) -> str:
    """Who acted, as a reader names them: 学生 张三, 审核员 王老师, 系统."""
    if event.actor_type is ActorType.REVIEWER:
        return f'审核员 {reviewers.get(event.actor_id, "（已删除）")} '
    if event.actor_type is ActorType.STUDENT:
        return student_name or '学生'
    return '系统'


def sentence(
    event: AuditEvent, reviewers: dict[int, str], zone: Zone | None = None, student_name: str | None = None
) -> str:
    """One history line: 张晓雨于 11-24 09:12 提交了参保登记 / 审核员 王老师 于 11-24 09:15 查看了记录."""
    who = actor_name(event, reviewers, student_name)
    when = beijing(event.at, '%m-%d %H:%M')
    if event.action == 'transition':
        action = (event.detail or {}).get('action', '')
        verb = ACTION_VERBS.get(action, AUDIT_VERBS['transition'])
        if action in ('approve', 'return', 'reject') and event.stage:
            verb = f'在{stage_name(zone, event.stage)}环节{verb}'
        text = f'{who}于 {when} {verb}'
        if event.to_status:
            text += f'，状态变为“{status_label(event.to_status)}”'
    else:
        text = f'{who}于 {when} {AUDIT_VERBS.get(event.action, "进行了操作")}'
        named = target(event)
        if named:
            text += f'（{named}）'
    if event.reason:
        text += f'，原因：{event.reason}'
    return text


def target(event: AuditEvent) -> str:
    """What a non-transition event acted on, as its detail names it: an account (login name and display name), a
    file, the settings changed; '' when it names none. Rows written before an event kept its target name what they
    kept (an account's login name alone, an import by its number)."""
    detail = event.detail or {}
    if event.action == 'zone_settings' and detail.get('changes'):
        return setting_names(detail['changes'])
    if detail.get('reviewer'):
        display = detail.get('display_name')
        if display and display != detail['reviewer']:
            return f'账号 {display}，登录名 {detail["reviewer"]}'
        return f'账号 {detail["reviewer"]}'
    if detail.get('filename'):
        listed = f'{detail["title"]}，' if detail.get('title') else ''
        return f'{listed}文件“{detail["filename"]}”'
    if event.action == 'import' and detail.get('import_id'):
        return f'导入编号 {detail["import_id"]}'
    return ''


def setting_names(fields) -> str:
    """Changed settings named in the form's order (a JSONB column keeps its own order of keys)."""
    return '、'.join(name for field, name in SETTING_NAMES.items() if field in fields)


def reviewer_label(reviewer) -> str:
    """A staff member as a list of people names them: display name and login name."""
    if reviewer.display_name and reviewer.display_name != reviewer.username:
        return f'{reviewer.display_name}（{reviewer.username}）'
    return reviewer.username


def reviewer_names(events: list[AuditEvent]) -> dict[int, str]:
    """The display names of the reviewers who acted in these events (one query)."""
    import sqlalchemy as sa

    from miniapp_backend.extensions import db
    from miniapp_backend.models import Reviewer

    ids = {e.actor_id for e in events if e.actor_type is ActorType.REVIEWER and e.actor_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Reviewer.id, Reviewer.display_name, Reviewer.username).where(Reviewer.id.in_(ids))
    ).all()
    return {rid: display or username for rid, display, username in rows}


def history(events: list[AuditEvent], zone: Zone | None, student_name: str | None = None) -> list[str]:
    """A record's audit events as sentences, oldest first."""
    names = reviewer_names(events)
    return [sentence(event, names, zone, student_name) for event in events]
