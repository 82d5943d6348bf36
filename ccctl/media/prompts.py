"""Which spoken prompts a configuration needs, and where each one lives.

No FreeSWITCH sound pack can be downloaded onto a box, so every prompt is synthesized
locally (see media.py). A prompt's file name is a hash of its language and text: the same
text is synthesized once, and a changed text can never play a stale file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ccctl.config import spec as s
from ccctl.media.uploads import ref

PROMPT_DIR = "ccctl/prompts"
"""Below FreeSWITCH's sounds_dir."""
MOH_DIR = "ccctl/moh"

STANDARD = {
    "invalid": {"en": "That is not a valid option.", "zh": "您的输入有误。"},
    "goodbye": {"en": "Thank you for calling. Goodbye.", "zh": "感谢您的来电，再见。"},
    "closed": {
        "en": "We are closed at the moment. Please call again during business hours.",
        "zh": "现在是非工作时间，请在工作时间再拨。",
    },
    "voicemail": {"en": "Please leave a message after the tone.", "zh": "请在提示音后留言。"},
    "busy": {"en": "All lines are busy. Please call again later.", "zh": "线路忙，请稍后再拨。"},
    "survey": {
        "en": "Please rate the call you just had. Press 1 for poor, up to 5 for excellent.",
        "zh": "请为刚才的通话评分，1分为差，5分为非常好。",
    },
    "survey_thanks": {"en": "Thank you for your feedback. Goodbye.", "zh": "感谢您的评价，再见。"},
    "callback": {
        "en": "You keep your place in the queue. We will call you back at this number. Goodbye.",
        "zh": "您的排队位置已保留，我们将回拨此号码，再见。",
    },
    # What a seat hears after a feature code (ccctl/render/agentcodes.py).
    "agent_login": {"en": "You are logged in.", "zh": "您已登录。"},
    "agent_logout": {"en": "You are logged out.", "zh": "您已退出登录。"},
    "agent_break": {"en": "You are on break.", "zh": "您已进入小休。"},
    "agent_ready": {"en": "You are ready for calls.", "zh": "您已就绪，可以接听来电。"},
    "agent_wrapup": {"en": "Wrap-up ended.", "zh": "话后处理已结束。"},
    "agent_disposition": {"en": "Wrap-up code saved.", "zh": "话后代码已保存。"},
    "agent_logged_in": {"en": "You are already logged in.", "zh": "您已经登录了。"},
    "agent_not_logged_in": {"en": "You are not logged in.", "zh": "您尚未登录。"},
    "agent_not_on_break": {"en": "You are not on break.", "zh": "您不在小休状态。"},
    "agent_not_in_wrapup": {"en": "You are not in wrap-up.", "zh": "您不在话后处理状态。"},
    "agent_not_agent": {"en": "This phone is not an agent.", "zh": "此话机不是坐席。"},
    "agent_unknown_code": {"en": "That code is not known.", "zh": "该代码无效。"},
    "agent_code_required": {"en": "Key a wrap-up code first.", "zh": "请先输入话后代码。"},
}


@dataclass(frozen=True)
class Prompt:
    text: str
    language: str

    @property
    def name(self) -> str:
        digest = hashlib.sha256(f"{self.language}\0{self.text}".encode()).hexdigest()[:20]
        return f"{PROMPT_DIR}/{self.language}-{digest}.wav"

    @property
    def ref(self) -> str:
        """How the rendered configuration names the file (FreeSWITCH expands sounds_dir)."""
        return "$${sounds_dir}/" + self.name


def standard(kind: str, language: str) -> Prompt:
    texts = STANDARD[kind]
    return Prompt(texts.get(language, texts["en"]), language if language in texts else "en")


def greeting(t: s.Tenant, ivr: s.Ivr) -> str:
    """The file reference of an IVR greeting: its own file, or a synthesized text."""
    if ivr.greeting.file:
        return ref(t.name, ivr.greeting.file)
    return Prompt(ivr.greeting.text, ivr.greeting.language or t.language).ref


def announcement(t: s.Tenant, q: s.Queue) -> Prompt | None:
    return Prompt(q.announce, t.language) if q.announce else None


def required(tenants: list[s.Tenant]) -> list[Prompt]:
    """Every synthesized prompt the rendered tree refers to, without repeats, sorted."""
    out: set[Prompt] = set()
    for t in tenants:
        for kind in STANDARD:
            out.add(standard(kind, t.language))
        for ivr in t.ivrs:
            if ivr.greeting.text:
                out.add(Prompt(ivr.greeting.text, ivr.greeting.language or t.language))
        for q in t.queues:
            if q.announce:
                out.add(Prompt(q.announce, t.language))
    return sorted(out, key=lambda p: p.name)


def moh_names(tenants: list[s.Tenant]) -> list[str]:
    return sorted({"default"} | {q.moh for t in tenants for q in t.queues})
