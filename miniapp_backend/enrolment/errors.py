"""A refusal by the enrolment rules, carrying what the student should be told."""

from __future__ import annotations

from typing import Any


class EnrolmentError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 409,
        errors: dict[str, list[str]] | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.errors = errors or {}
        self.details = details or {}


def field_error(field: str, message: str, code: str = 'validation_error') -> EnrolmentError:
    """A 422 naming one field."""
    return EnrolmentError(code, message, status=422, errors={field: [message]})
