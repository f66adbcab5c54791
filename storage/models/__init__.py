"""Typed SQLAlchemy 2 models, one module per concept; every model is importable from here.

base        Base, its naming convention, aware datetimes, enums stored as text
units       the tree of units (materialised paths)
people      people, their roles, invite codes
chats       chat accounts, dialog state, updates already handled
cases       cases, their mediators and history
audit       the audit log
help        requests for guidance on a case
stats       monthly case counts per unit
targets     targets (chỉ tiêu) per unit and measure
trainings   trainings, invitations and attendance, wrong check-in codes
deadlines   report deadlines and reports handed in
documents   the document library, and who opened each document
outbox      pushes, deliveries, files, reminder choices
"""

from storage.models.audit import AuditEntry
from storage.models.base import NAMING, Base, UTCDateTime, enum_column
from storage.models.cases import Case, CaseEvent, CaseMediator, CaseStatus, case_number
from storage.models.chats import Account, Conversation, SeenUpdate
from storage.models.deadlines import ReportRule, ReportSubmission
from storage.models.decisions import Decision as Decision
from storage.models.decisions import DecisionKind as DecisionKind
from storage.models.documents import Document, DocumentOpen, Topic
from storage.models.help import HelpRequest, HelpStatus
from storage.models.outbox import OPEN_STATUSES, Delivery, DeliveryStatus, Push, PushFile, PushPrefs
from storage.models.people import InviteCode, Person, Role
from storage.models.stats import StatRollup
from storage.models.targets import Measure, Target
from storage.models.trainings import (
    CHECKIN_OPENS,
    CLASS_MINUTES,
    MAX_MISSES,
    Answer,
    CheckinMiss,
    Training,
    TrainingInvite,
    TrainingStatus,
)
from storage.models.units import Unit, UnitKind

__all__ = [
    "CHECKIN_OPENS",
    "CLASS_MINUTES",
    "MAX_MISSES",
    "NAMING",
    "OPEN_STATUSES",
    "Account",
    "Answer",
    "AuditEntry",
    "Base",
    "Case",
    "CaseEvent",
    "CaseMediator",
    "CaseStatus",
    "CheckinMiss",
    "Conversation",
    "Delivery",
    "DeliveryStatus",
    "Document",
    "DocumentOpen",
    "HelpRequest",
    "HelpStatus",
    "InviteCode",
    "Measure",
    "Person",
    "Push",
    "PushFile",
    "PushPrefs",
    "ReportRule",
    "ReportSubmission",
    "Role",
    "SeenUpdate",
    "StatRollup",
    "Target",
    "Training",
    "TrainingInvite",
    "Topic",
    "TrainingStatus",
    "UTCDateTime",
    "Unit",
    "UnitKind",
    "case_number",
    "enum_column",
]
