"""Database tables (sqlmodel). One module per resource; every table is imported here so that
`SQLModel.metadata` is complete for migrations and `create_all`."""

from . import base  # noqa: F401  (naming convention before any table)
from .tenant import Tenant, RecordingPolicy, Setting
from .seat import Seat, SeatSkill
from .queue import Queue
from .ivr import IvrMenu, IvrOption
from .number import Number
from .trunk import Trunk
from .customer import Customer
from .voice_card import VoiceCard
from .call import AgentEvent, Call, CallRollup
from .recording import Recording
from .audit import AuditEntry
from .callback import CallbackRequest
from .campaign import Campaign, Contact, Dnc

__all__ = [
    "Tenant", "RecordingPolicy", "Setting", "Seat", "SeatSkill", "Queue", "IvrMenu",
    "IvrOption", "Number", "Trunk", "Customer", "VoiceCard", "Call", "AgentEvent", "CallRollup",
    "Recording", "AuditEntry",
    "CallbackRequest",
    "Campaign", "Contact", "Dnc",
]
