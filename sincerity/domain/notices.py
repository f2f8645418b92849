"""DESIGN.md §3b-1: notice to the subject of every event about them, in words.

An event about a subject (a record created, a listing, a dispute or repair step, display
ending soon, repair now possible, a withdrawal) becomes a notice with a title and a short
body in Chinese and English, naming the item and what the subject can do next. The inbox is
the change feed seen by its subject; nothing is stored twice. Pure: the item titles and the
record details are handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sincerity.domain.calendar import WorkingCalendar
from sincerity.kit.clock import legal_today

RECORD_TAGS = ("records:", "lists:", "repairs:record:")


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What a notice says about the record it concerns."""

    item: str
    title_en: str
    title_zh: str
    provider: str
    decided_on: str
    display_until: str | None


@dataclass(frozen=True, slots=True)
class Notice:
    seq: int
    at: datetime
    tag: str
    title: dict[str, str]
    body: dict[str, str]
    data: dict[str, Any]

    def view(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at.isoformat(), "event": self.tag, "title": self.title, "body": self.body}


_DISPUTE_HINT = (
    "If it is wrong you may dispute it; if it is negative you may apply to repair it once the rules allow.",
    "如有错误可提出异议；失信信息符合条件的可申请信用修复。",
)

# tag → (English title, Chinese title, English body, Chinese body); {item}, {zh}, {until}, …
# are filled from the event and the record.
_TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "records:record:created": (
        "A record about you was created",
        "新增一条关于您的信用信息",
        "{provider} recorded “{item_en}”, decided on {decided_on}, shown until {until}. " + _DISPUTE_HINT[0],
        "{provider}记录了“{item_zh}”（决定日期{decided_on}，展示至{until}）。" + _DISPUTE_HINT[1],
    ),
    "records:record:corrected": (
        "A record about you was corrected",
        "一条关于您的信用信息已更正",
        "{provider} corrected “{item_en}” (now version {version}).",
        "{provider}更正了“{item_zh}”（现为第{version}版）。",
    ),
    "records:record:expiring": (
        "A record about you stops being shown soon",
        "一条信用信息即将停止展示",
        "“{item_en}” is shown until {until}; after that it is neither shown nor used.",
        "“{item_zh}”展示至{until}，届满后不再展示和使用。",
    ),
    "records:record:expired": (
        "A record about you is no longer shown",
        "一条信用信息已停止展示",
        "The display period of “{item_en}” ended on {until}: it is no longer shown or used.",
        "“{item_zh}”展示期已于{until}届满，不再展示和使用。",
    ),
    "records:record:withdrawn": (
        "A record about you was withdrawn",
        "一条信用信息已撤回",
        "“{item_en}” was withdrawn ({reason}); everyone who received it is told.",
        "“{item_zh}”已撤回（{reason}），已通知所有获取过该信息的单位。",
    ),
    "records:record:reinstated": (
        "A revoked record about you was restored",
        "一条已撤销的信用信息被恢复",
        "A later decision restored “{item_en}”: it is shown and used again until {until}. " + _DISPUTE_HINT[0],
        "后续决定恢复了“{item_zh}”，展示和使用至{until}。" + _DISPUTE_HINT[1],
    ),
    "lists:entry:added": (
        "You were placed on a list",
        "您被列入名单",
        "Because of “{item_en}” you are on the {list} list. " + _DISPUTE_HINT[0],
        "因“{item_zh}”您被列入{list}名单。" + _DISPUTE_HINT[1],
    ),
    "lists:entry:changed": (
        "A list entry about you changed",
        "您的名单信息有变更",
        "Your entry on the {list} list (from “{item_en}”) changed.",
        "您在{list}名单上的记录（“{item_zh}”）有变更。",
    ),
    "lists:entry:removed": (
        "You were removed from a list",
        "您已移出名单",
        "Your entry on the {list} list was removed.",
        "您已移出{list}名单。",
    ),
    "lists:entry:expired": (
        "A list entry about you ended",
        "名单期限届满",
        "Your entry on the {list} list ended on {until}.",
        "您在{list}名单上的期限已于{until}届满。",
    ),
    "repairs:record:repairable": (
        "You may now apply to repair a record",
        "您现在可以申请信用修复",
        "From {from} you may apply to repair “{item_en}”; ask the platform which conditions apply.",
        "自{from}起，您可以申请修复“{item_zh}”，可向平台查询修复条件。",
    ),
    "subjects:contact:set": (
        "Notices will come to this address",
        "通知将发送至此地址",
        "Every event about you will also be sent here; your inbox at the platform keeps them all.",
        "今后关于您的每项信息变动都将发送至此地址；平台收件箱保存全部通知。",
    ),
    "disputes:dispute:opened": (
        "Your dispute was received",
        "您的异议已受理",
        "The provider must answer by {answer_due}.",
        "信息提供单位应于{answer_due}前答复。",
    ),
    "disputes:dispute:answered": (
        "Your dispute was answered",
        "您的异议已答复",
        "Outcome: {outcome}.",
        "处理结果：{outcome}。",
    ),
    "disputes:dispute:withdrawn": ("Your dispute was withdrawn", "您的异议已撤回", "", ""),
    "disputes:dispute:escalated": (
        "Your dispute was not answered in time",
        "您的异议未按期答复",
        "It has gone to the platform.{suspension_en}",
        "已转平台处理。{suspension_zh}",
    ),
    "repairs:repair:applied": (
        "Your repair application was received",
        "您的信用修复申请已受理",
        "The designating body accepts or refuses by {accept_by}.",
        "认定单位应于{accept_by}前决定是否受理。",
    ),
    "repairs:repair:accepted": (
        "Your repair application was accepted",
        "您的信用修复申请已受理",
        "A decision is due by {decide_by}.",
        "应于{decide_by}前作出决定。",
    ),
    "repairs:repair:materials_asked": (
        "More materials are needed for your repair",
        "信用修复需补充材料",
        "Missing: {missing}.",
        "需补充：{missing}。",
    ),
    "repairs:repair:extended": (
        "The repair decision was extended",
        "信用修复决定期限延长",
        "The decision is now due by {decide_by}.",
        "决定期限延长至{decide_by}。",
    ),
    "repairs:repair:granted": (
        "Your record was repaired",
        "信用修复已完成",
        "The record is no longer shown or used. Reasons: {reasons}",
        "该信息不再展示和使用。理由：{reasons}",
    ),
    "repairs:repair:refused": (
        "Your repair application was refused",
        "信用修复申请未获批准",
        "Reasons: {reasons}",
        "理由：{reasons}",
    ),
}


def render(
    seq: int,
    at: datetime,
    tag: str,
    data: Mapping[str, Any] | None,
    record: RecordFacts | None,
    provider_name: str | None = None,
) -> Notice:
    """The notice for one event; an event without a template still reaches the inbox, named."""
    values: dict[str, Any] = {k: v for k, v in (data or {}).items() if isinstance(v, str | int | float)}
    if record is not None:
        values.update(
            item_en=record.title_en,
            item_zh=record.title_zh,
            provider=provider_name or record.provider,
            decided_on=record.decided_on,
        )
        values.setdefault("until", record.display_until or "its deletion")
    if "suspended" in values:  # an escalation says whether the record is suspended meanwhile
        on = bool(values.pop("suspended"))
        values["suspension_en"] = " The record is not used until it is answered." if on else ""
        values["suspension_zh"] = "答复前该信息暂停使用。" if on else ""
    template = _TEMPLATES.get(tag)
    if template is None:
        words = tag.replace(":", " ").replace("_", " ")
        return Notice(seq, at, tag, {"en": words, "zh": words}, {"en": "", "zh": ""}, dict(data or {}))
    title_en, title_zh, body_en, body_zh = template
    return Notice(
        seq,
        at,
        tag,
        {"en": title_en, "zh": title_zh},
        {"en": _fill(body_en, values), "zh": _fill(body_zh, values)},
        dict(data or {}),
    )


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def _fill(text: str, values: dict[str, Any]) -> str:
    return text.format_map(_Missing(values))


def late(calendar: WorkingCalendar, event_at: datetime, sent_at: datetime) -> bool:
    """Whether a notice sent at `sent_at` missed "within one working day" of its event."""
    return legal_today(sent_at) > calendar.deadline(legal_today(event_at), 1).day
