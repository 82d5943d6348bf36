"""Database tables (sqlmodel). One module per resource; every table is imported here so that
`SQLModel.metadata` is complete for migrations and `create_all`. base: shared column helpers
(the tenant identity's default); owner: which operational rows a tenant owns (name and identity)."""

from ccctl.model import base  # noqa: F401  (naming convention before any table)
from ccctl.model.account import Account, ApiToken, SignInThrottle, WebSession
from ccctl.model.audit import AuditEntry
from ccctl.model.call import AgentEvent, Call, CallRollup
from ccctl.model.callback import CallbackRequest
from ccctl.model.campaign import Campaign, Contact, Dnc
from ccctl.model.customer import Customer
from ccctl.model.ivr import IvrMenu, IvrOption
from ccctl.model.node import Node
from ccctl.model.number import Number
from ccctl.model.queue import Queue
from ccctl.model.recording import Recording
from ccctl.model.seat import Seat, SeatSkill
from ccctl.model.tenant import RecordingPolicy, Setting, Tenant
from ccctl.model.trunk import Trunk
from ccctl.model.voice_card import VoiceCard

__all__ = [
    "Tenant",
    "RecordingPolicy",
    "Setting",
    "Seat",
    "SeatSkill",
    "Queue",
    "IvrMenu",
    "IvrOption",
    "Number",
    "Trunk",
    "Customer",
    "VoiceCard",
    "Call",
    "AgentEvent",
    "CallRollup",
    "Recording",
    "AuditEntry",
    "CallbackRequest",
    "Campaign",
    "Contact",
    "Dnc",
    "Account",
    "ApiToken",
    "WebSession",
    "SignInThrottle",
    "Node",
]
