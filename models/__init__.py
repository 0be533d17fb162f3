"""Storage layer: SQLAlchemy models of the whole zero-distance domain."""

from models.audit import AuditRecord, AuditTamperError, record
from models.auth import ApiRole, ApiToken
from models.base import Base
from models.calendar import CalendarEvent, EventStatus, FeedOwner, FeedToken
from models.duty import (
    CoverRequirement,
    DayType,
    DutyKind,
    DutyPost,
    ShiftSuccessionBan,
    ShiftType,
)
from models.meetings import (
    JointSession,
    MeetingMode,
    MeetingStatus,
    ReviewMeeting,
    ReviewSeat,
    SessionKind,
)
from models.org import (
    Department,
    District,
    DistrictAdjacency,
    DistrictKind,
    Industry,
    Level,
    Organisation,
    OrganisationKind,
    Qualification,
    Specialty,
)
from models.people import (
    Absence,
    AbsenceKind,
    ConflictKind,
    Expert,
    ExpertConflict,
    ExpertSpecialty,
    ExpertStatus,
    Staff,
    StaffQualification,
    StaffRole,
    StaffRoleGrant,
)
from models.plans import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    JobStatus,
    Plan,
    PlanKind,
    PlanStatus,
)
from models.projects import (
    DayPreference,
    Enterprise,
    EnterpriseDay,
    NeedStatus,
    Project,
    ProjectNeed,
    ProjectStage,
)
from models.rotation import PeriodGranularity, Post, PostHolding, RotationPeriod, RotationScope
from models.training import Course, TrainingSession
from models.visits import HalfDay, VipTeam, VipTeamMember, Visit, VisitStatus

__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()] + ["record"]
