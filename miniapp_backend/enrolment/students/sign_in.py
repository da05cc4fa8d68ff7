"""Students as WeChat users: signed in by openid, their session_key kept server-side only."""

from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import Student
from miniapp_backend.models.base import utcnow


def sign_in(openid: str, session_key: str, unionid: str | None) -> Student:
    """The student with this openid, created on first login."""
    student = db.session.scalars(sa.select(Student).where(Student.openid == openid)).first()
    if student is None:
        student = Student(openid=openid)
        db.session.add(student)
    student.unionid, student.session_key, student.last_login_at = unionid, session_key, utcnow()
    return student
