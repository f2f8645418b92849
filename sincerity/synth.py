"""Deterministic synthetic data for `sincerity demo` and `bench/`: institutions, people,
organisations and records, made from the catalogue in force and loaded through the real
ingestion service. The same seed gives the same data, byte for byte.

People get valid resident ID numbers over real county codes (including a few retired ones,
which real people still hold), ages 18–85, plausible names; organisations get valid unified
social credit codes. Most people have no negative record, as in life.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric, uscc

from sincerity.domain.catalogue import Catalogue, CatalogueItem, InstitutionKind, Polarity, Severity, SubjectKind
from sincerity.domain.institutions import Institution
from sincerity.domain.records import RawRecord
from sincerity.kit.clock import legal_today
from sincerity.services.catalogue import current_catalogue
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.institutions import register_institution
from sincerity.services.links import submit_links

# County-level division codes (GB/T 2260). The last three were retired by mergers, yet
# numbers issued under them stay valid for life.
COUNTIES = (
    "110101",
    "110105",
    "110108",
    "120101",
    "130102",
    "130602",
    "140105",
    "150102",
    "210102",
    "210202",
    "220102",
    "230103",
    "310101",
    "310104",
    "310115",
    "320102",
    "320205",
    "320506",
    "330106",
    "330203",
    "340104",
    "350102",
    "350203",
    "360102",
    "370102",
    "370202",
    "410105",
    "420106",
    "430104",
    "440103",
    "440305",
    "440106",
    "450103",
    "460105",
    "500103",
    "510104",
    "510107",
    "520102",
    "530102",
    "540102",
    "610113",
    "620102",
    "630102",
    "640104",
    "650102",
    "110103",
    "110104",
    "320103",
)
LOCALITIES = ("110000", "310000", "440000", "510000", "330000", "420000")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建华文辉志强晓东海燕雪梅子涵浩然欣怡宇轩思远佳怡梓萱俊杰"
)
TRADES = ("科技", "贸易", "建设", "食品", "医药", "物流", "餐饮", "环保", "教育咨询", "房地产开发")
CITY_NAMES = {
    "110000": "北京",
    "310000": "上海",
    "440000": "广东",
    "510000": "四川",
    "330000": "浙江",
    "420000": "湖北",
}

_INSTITUTION_NAMES = {
    InstitutionKind.DEPARTMENT: "市场监督管理局",
    InstitutionKind.COURT: "高级人民法院",
    InstitutionKind.SCHOOL: "教育考试院",
    InstitutionKind.SECTOR_ASSOCIATION: "注册会计师协会",
    InstitutionKind.LICENSING_BODY: "司法厅（执业许可）",
    InstitutionKind.CREDIT_BUREAU: "征信服务中心",
    InstitutionKind.IMPLEMENTING_AGENCY: "公共资源交易中心",
    InstitutionKind.PLATFORM: "公共信用信息平台",
}

# How often each kind of item turns up among all records (per mille), by polarity and severity.
_MIX = (
    ((Polarity.NEUTRAL, None), 380),
    ((Polarity.POSITIVE, None), 220),
    ((Polarity.NEGATIVE, Severity.MINOR), 200),
    ((Polarity.NEGATIVE, Severity.GENERAL), 130),
    ((Polarity.NEGATIVE, Severity.SERIOUS), 70),
)


@dataclass(frozen=True)
class Person:
    number: str
    name: str
    birth_date: date


@dataclass(frozen=True)
class Organisation:
    number: str
    name: str
    representative: Person


@dataclass(frozen=True)
class DemoReport:
    institutions: int
    persons: int
    organisations: int
    counts: dict[str, int]


class Synth:
    """One seeded generator over one catalogue, as of one day."""

    def __init__(
        self, catalogue: Catalogue, *, seed: int, today: date, institutions: list[Institution] | None = None
    ) -> None:
        self.catalogue = catalogue
        self.seed = seed  # in every ref, so that files made with different seeds never collide
        self.rng = random.Random(seed)
        self.today = today
        self.institutions = institutions if institutions is not None else self._institutions()
        self._providers: dict[str, list[str]] = {}
        for inst in self.institutions:
            for code in inst.items:
                self._providers.setdefault(code, []).append(inst.code)
        self._by_mix: dict[tuple[SubjectKind, Polarity, Severity | None], list[CatalogueItem]] = {}
        for item in catalogue.items:
            if item.in_force(today) and item.code in self._providers:
                self._by_mix.setdefault((item.subject_kind, item.polarity, item.severity), []).append(item)
        self._serial = 0

    def _institutions(self) -> list[Institution]:
        """One institution of each kind per locality, granted every item its kind may provide."""
        made = []
        for locality in LOCALITIES:
            city = CITY_NAMES[locality]
            for kind in InstitutionKind:
                items = tuple(sorted(i.code for i in self.catalogue.items if kind in i.providers))
                if not items:
                    continue
                made.append(
                    Institution(
                        code=f"{kind.value.replace('_', '-')}-{locality}",
                        name=city + _INSTITUTION_NAMES[kind],
                        kind=kind.value,
                        locality=locality,
                        items=items,
                    )
                )
        return made

    def person(self) -> Person:
        rng = self.rng
        age_days = rng.randint(18 * 366, 85 * 365)
        born = self.today - timedelta(days=age_days)
        body = f"{rng.choice(COUNTIES)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        return Person(number=number, name=rng.choice(SURNAMES) + given, birth_date=born)

    def organisation(self) -> Organisation:
        rng = self.rng
        locality = rng.choice(LOCALITIES)
        org_body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        org_code = org_body + _organisation_check(org_body)
        body = f"91{locality}{org_code}"
        number = body + uscc.calc_check_digit(body)
        name = f"{CITY_NAMES[locality]}{''.join(rng.choice(GIVEN) for _ in range(2))}{rng.choice(TRADES)}有限公司"
        return Organisation(number=number, name=name, representative=self.person())

    def records_for(
        self, number: str, name: str, kind: SubjectKind, count: int, born: date | None
    ) -> Iterator[tuple[str, RawRecord]]:
        """`count` records about one subject, as (provider code, record)."""
        rng = self.rng
        for _ in range(count):
            item = self._pick_item(kind)
            if item is None:
                return
            decided = self._decision_date(item, born)
            if decided is None:
                continue
            provider = rng.choice(self._providers[item.code])
            self._serial += 1
            yield (
                provider,
                RawRecord(
                    ref=f"{item.code.split('.')[0]}-{decided:%Y}-{self.seed}-{self._serial:09d}",
                    subject_id=number,
                    subject_name=name,
                    item=item.code,
                    decided_on=decided.isoformat(),
                    decision_no=f"{provider[:6]}〔{decided:%Y}〕{self._serial % 100000}号",
                    facts=self.facts(item),
                ),
            )

    def _pick_item(self, kind: SubjectKind) -> CatalogueItem | None:
        rng = self.rng
        roll = rng.randrange(1000)
        for (polarity, severity), weight in _MIX:
            if roll < weight:
                choices = self._by_mix.get((kind, polarity, severity))
                if choices:
                    return rng.choice(choices)
                break
            roll -= weight
        fallback = [items for (k, _, _), items in self._by_mix.items() if k is kind]
        return rng.choice(rng.choice(fallback)) if fallback else None

    def _decision_date(self, item: CatalogueItem, born: date | None) -> date | None:
        """A decision date inside the item's display window (and after the minimum age)."""
        window = (item.display_period.after(self.today) - self.today).days if item.display_period else 3 * 365
        window = max(1, min(window - 1, 3 * 365))
        decided = self.today - timedelta(days=self.rng.randrange(window))
        if item.min_age is not None and born is not None:
            adult = date(born.year + item.min_age + 1, 1, 1)
            if decided < adult:
                return None
        return decided

    def facts(self, item: CatalogueItem) -> dict[str, Any]:
        """The item's example, varied within its schema (enums, numbers, dates)."""
        rng = self.rng
        facts = dict(item.example)
        properties = item.facts_schema.get("properties", {})
        for name, spec in properties.items():
            if name not in facts or not isinstance(spec, dict):
                continue
            if "enum" in spec:
                facts[name] = rng.choice(spec["enum"])
            elif spec.get("type") == "integer" and not isinstance(facts[name], bool):
                low = spec.get("minimum", 0)
                high = spec.get("maximum", max(low + 10, int(facts[name]) * 3 if isinstance(facts[name], int) else 100))
                facts[name] = rng.randint(int(low), int(high))
            elif spec.get("type") == "number":
                low = float(spec.get("minimum", 0))
                high = float(spec.get("maximum", max(low + 100, float(facts[name]) * 3)))
                facts[name] = round(rng.uniform(low, high), 2)
        return facts

    def people_records(self, persons: int, *, per_person: float) -> Iterator[tuple[str, RawRecord]]:
        """Records about `persons` people; the count per person is geometric around `per_person`."""
        rng = self.rng
        for _ in range(persons):
            person = self.person()
            count = int(rng.expovariate(1 / per_person) + 0.5) if per_person > 0 else 0
            yield from self.records_for(person.number, person.name, SubjectKind.PERSON, count, person.birth_date)


def _organisation_check(body: str) -> str:
    """GB 11714 check character of an organisation code (8 characters + 1)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def load_demo(services: Services, *, persons: int, seed: int) -> DemoReport:
    """Register the demo institutions and load demo records through `submit_records`."""
    catalogue = current_catalogue(services)
    synth = Synth(catalogue, seed=seed, today=legal_today(services.clock.now()))
    for institution in synth.institutions:
        register_institution(services, institution)
    by_provider: dict[str, list[RawRecord]] = {}
    for provider, record in synth.people_records(persons, per_person=3.0):
        by_provider.setdefault(provider, []).append(record)
    organisations = max(1, persons // 10)
    links: list[dict[str, str]] = []
    for n in range(organisations):
        org = synth.organisation()
        rep = org.representative
        links.append(
            {
                "ref": f"LR-{seed}-{n}",
                "organisation_id": org.number,
                "organisation_name": org.name,
                "person_id": rep.number,
                "person_name": rep.name,
                "role": "legal_representative",
                "valid_from": (synth.today - timedelta(days=synth.rng.randrange(30, 3650))).isoformat(),
            }
        )
        count = int(synth.rng.expovariate(1 / 3.0) + 0.5)
        for provider, record in synth.records_for(org.number, org.name, SubjectKind.ORGANISATION, count, None):
            by_provider.setdefault(provider, []).append(record)
    totals = {"accepted": 0, "corrected": 0, "unchanged": 0, "rejected": 0}
    for provider in sorted(by_provider):
        summary = submit_records(services, by_provider[provider], provider=provider, source="demo")
        for key, value in summary.counts().items():
            totals[key] += value
    registrar = next(i.code for i in synth.institutions if i.kind == InstitutionKind.DEPARTMENT)
    submit_links(services, links, provider=registrar)  # each organisation's legal representative
    return DemoReport(institutions=len(synth.institutions), persons=persons, organisations=organisations, counts=totals)
