"""Who acts on a registration: a student, a reviewer (with role and scope) or the system."""

from __future__ import annotations

from dataclasses import dataclass

from miniapp_backend.models.enums import ActorType, ReviewerRole

#: The review stage each reviewer role decides; a zone admin may decide at any stage.
ROLE_STAGE = {
    ReviewerRole.COUNSELLOR: 'counsellor',
    ReviewerRole.COLLEGE_REVIEWER: 'college',
    ReviewerRole.SCHOOL_ADMIN: 'school',
    ReviewerRole.CENTRE_REVIEWER: 'centre',
}


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: int | None = None
    role: ReviewerRole | None = None

    @classmethod
    def student(cls, student_id: int) -> Actor:
        return cls(ActorType.STUDENT, student_id)

    @classmethod
    def reviewer(cls, reviewer_id: int, role: ReviewerRole | str) -> Actor:
        return cls(ActorType.REVIEWER, reviewer_id, ReviewerRole(role))

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorType.SYSTEM)

    def may_decide(self, stage: str | None) -> bool:
        """Whether this reviewer decides at the given review stage."""
        if self.type is not ActorType.REVIEWER:
            return False
        return self.role is ReviewerRole.ZONE_ADMIN or ROLE_STAGE.get(self.role) == stage


SYSTEM = Actor.system()
