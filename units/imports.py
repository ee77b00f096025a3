"""Importing units and people from spreadsheets (xlsx, UTF-8/GBK csv).

Why not django-import-export's row-by-row import here: a unit's parent may appear later in
the file, moves can form cycles only visible across rows, and the tree must be written
parents-first. We validate the whole file, then write in dependency order; the library is
still used for exports (resources.py) and admin formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tabular.importing import too_long
from tabular.reading import Table
from tabular.report import ImportReport

from .models import Role, Unit, UnitKind, User, code_validator
from .selectors import unit_kinds
from .services import (
    HEADCOUNT_MAX,
    UnitSpec,
    person_create,
    person_set_role,
    units_bulk_save,
)

# How often (in rows) the check reports progress.
PROGRESS_EVERY = 1000
UNIT_COLUMNS = ("code", "name", "kind", "parent_code", "headcount")
PEOPLE_COLUMNS = ("username", "name", "unit_code", "role", "email", "phone")

# The downloadable templates use the Chinese headers; each is one of the importers' aliases.
UNIT_TEMPLATE_HEADERS = ("编码", "名称", "类型", "上级编码", "人数")
PEOPLE_TEMPLATE_HEADERS = ("用户名", "姓名", "单元编码", "角色", "邮箱", "手机号")
# Typed into a number-formatted cell, 007 would become 7 and a phone number 1.38E+10.
UNIT_TEXT_COLUMNS = ("编码", "上级编码")
PEOPLE_TEXT_COLUMNS = ("用户名", "单元编码", "手机号")


def importable_role_labels() -> list[str]:
    # Administrators are granted one by one in the admin, never by a file.
    return [str(label) for value, label in Role.choices if value != Role.ADMINISTRATOR]


def unit_template_columns() -> list[tuple[str, str]]:
    """(header, explanation) per column of the units file, for the import page and the
    template's notes sheet; the kinds are the ones this database has right now."""
    kinds = "、".join(k.name for k in unit_kinds())
    return list(
        zip(
            UNIT_TEMPLATE_HEADERS,
            (
                _(
                    "必填，唯一；字母、数字、下划线、点或连字符。编码已存在时更新该单元。"
                ),
                _("必填。"),
                _(
                    "必填，可选：%(kinds)s。需要其他类型时，先在“清廉单元 → 单元类型”中添加。"
                )
                % {"kinds": kinds},
                _("上级单元的编码，留空为顶级单元；上级可以写在文件中后面的行。"),
                _(
                    "本单元自己的人数（不含下级单元），0 到 10,000,000 之间的整数；留空为 0。"
                ),
            ),
            strict=True,
        )
    )


def people_template_columns() -> list[tuple[str, str]]:
    """(header, explanation) per column of the people file."""
    return list(
        zip(
            PEOPLE_TEMPLATE_HEADERS,
            (
                _(
                    "必填，唯一；字母、数字和 @ . - _。用户名已存在时更新该人员，密码不变。"
                ),
                _("必填。"),
                _("必填，所属单元的编码；单元须已导入。"),
                _(
                    "可选：%(roles)s；留空为学员。系统管理员只能在后台逐个授予，不能导入。"
                )
                % {"roles": "、".join(importable_role_labels())},
                _("可选。"),
                _("可选，5–20 位数字，可含 + - 和空格。"),
            ),
            strict=True,
        )
    )


ROLE_ALIASES = {label: value for value, label in Role.choices} | {
    v: v for v in Role.values
}
ROLE_ALIASES |= {
    "学员": Role.LEARNER,
    "管理员": Role.ADMINISTRATOR,
    "编辑": Role.EDITOR,
}


def _parse_headcount(text: str) -> int:
    text = text.replace(",", "").strip()
    if not text:
        return 0
    # Decimal, not float: "1e30" is an integral float too, and only fails (OverflowError)
    # when the database is asked to store it; the range check must come first.
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_("人数必须是整数：“%(v)s”") % {"v": text}) from exc
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise ValidationError(_("人数必须是不小于 0 的整数：“%(v)s”") % {"v": text})
    if value > HEADCOUNT_MAX:
        raise ValidationError(
            _("人数“%(v)s”超出范围：应在 0 到 %(max)s 之间。")
            % {"v": text, "max": f"{HEADCOUNT_MAX:,}"}
        )
    return int(value)


@dataclass
class UnitRow:
    number: int
    code: str
    name: str
    kind: UnitKind
    parent_code: str
    headcount: int
    depth: int = 0
    action: str = ""


NAME_MAX = Unit._meta.get_field("name").max_length
FULL_NAME_MAX = User._meta.get_field("full_name").max_length
EMAIL_MAX = User._meta.get_field("email").max_length
# A path holds Unit.steplen characters per level in a 255-character column.
MAX_DEPTH = 255 // Unit.steplen


class UnitImporter:
    """Validates a units file in one pass over its rows and writes it with
    `units_bulk_save`: linear in the number of rows, so a city's 100,000-unit roster
    checks and writes in seconds (docs/benchmarks.md).

    `progress("check", done, total)`, when given, hears how far the check is (the
    admin's background import shows it as a progress bar; the write that follows runs
    in one transaction, where progress would not be visible to anyone)."""

    required = ("code", "name", "kind")
    aliases = {
        "编码": "code",
        "单元编码": "code",
        "名称": "name",
        "单元名称": "name",
        "类型": "kind",
        "单元类型": "kind",
        "上级编码": "parent_code",
        "上级单元编码": "parent_code",
        "人数": "headcount",
    }

    def __init__(self, *, progress=None):
        self.progress = progress or (lambda phase, done, total: None)

    def validate(self, table: Table, report: ImportReport) -> list[UnitRow]:
        kinds = {k.name: k for k in UnitKind.objects.all()}
        existing = {
            u.code: u
            for u in Unit.objects.select_related("kind").only(
                "id", "code", "name", "kind", "headcount", "path", "depth"
            )
        }
        existing_parent = self._existing_parents(existing)
        seen: dict[str, int] = {}
        rows: list[UnitRow] = []
        rejected_parents: list[tuple[int, str]] = []
        total = len(table.rows)
        for number, row in enumerate(table.rows, start=1):
            if number % PROGRESS_EVERY == 0:
                self.progress("check", number, total)
            code, name = row.get("code"), row.get("name")
            kind_name, parent_code = row.get("kind"), row.get("parent_code")
            ok = True
            if not code:
                report.add(row.number, "code", _("编码不能为空。"))
                ok = False
            else:
                try:
                    code_validator(code)
                except ValidationError as exc:
                    report.add(row.number, "code", exc.messages[0])
                    ok = False
                if code in seen:
                    report.add(
                        row.number,
                        "code",
                        _("编码“%(code)s”与第 %(row)s 行重复。")
                        % {"code": code, "row": seen[code]},
                    )
                    ok = False
                else:
                    seen[code] = row.number
            if not name:
                report.add(row.number, "name", _("名称不能为空。"))
                ok = False
            elif too_long(report, row.number, "name", name, NAME_MAX):
                ok = False
            kind = kinds.get(kind_name)
            if kind is None:
                report.add(row.number, "kind", self._kind_error(kind_name, kinds))
                ok = False
            try:
                headcount = _parse_headcount(row.get("headcount"))
            except ValidationError as exc:
                report.add(row.number, "headcount", exc.messages[0])
                ok = False
            if ok:
                rows.append(
                    UnitRow(row.number, code, name, kind, parent_code, headcount)
                )
            else:
                rejected_parents.append((row.number, parent_code))

        # Built once: the set of every known code, not one per row (that was quadratic).
        known = {r.code for r in rows} | set(seen) | existing.keys()
        for number, parent_code in rejected_parents:
            # Rows already rejected still get their parent checked: report every reason.
            if parent_code and parent_code not in known:
                report.add(number, "parent_code", self._unknown_parent(parent_code))
        parent_of = dict(existing_parent)
        for r in rows:
            parent_of[r.code] = r.parent_code or None
        depths = self._depths(parent_of)
        self.progress("check", total, total)
        good = []
        for r in rows:
            if r.parent_code and r.parent_code not in known:
                report.add(r.number, "parent_code", self._unknown_parent(r.parent_code))
                continue
            depth = depths[r.code]
            if depth is None:
                report.add(
                    r.number,
                    "parent_code",
                    _("上级关系形成循环：“%(code)s”最终会成为自己的下级。")
                    % {"code": r.code},
                )
                continue
            if depth > MAX_DEPTH:
                report.add(
                    r.number,
                    "parent_code",
                    _("单元树最多 %(max)s 层，“%(code)s”在第 %(depth)s 层。")
                    % {"max": MAX_DEPTH, "code": r.code, "depth": depth},
                )
                continue
            r.depth = depth
            current = existing.get(r.code)
            if current is None:
                r.action = "create"
            elif (
                current.name,
                current.kind_id,
                current.headcount,
                existing_parent.get(r.code),
            ) == (r.name, r.kind.pk, r.headcount, r.parent_code or None):
                r.action = "unchanged"
            else:
                r.action = "update"
            good.append(r)
        counters = {"create": "created", "update": "updated", "unchanged": "unchanged"}
        for r in good:
            field = counters[r.action]
            setattr(report, field, getattr(report, field) + 1)
            report.preview.append(
                {
                    "row": r.number,
                    "action": r.action,
                    "code": r.code,
                    "name": r.name,
                    "kind": r.kind.name,
                    "parent_code": r.parent_code,
                    "headcount": r.headcount,
                }
            )
        report.errors.sort(key=lambda e: e.row)
        return sorted(good, key=lambda r: (r.depth, r.number))

    @staticmethod
    def _kind_error(kind_name: str, kinds: dict[str, UnitKind]) -> str:
        if not kinds:
            # Only a database built without migrations (or emptied by hand) gets here.
            return _("尚未设置任何单元类型：请先在“清廉单元 → 单元类型”中添加。")
        choices = "、".join(kinds)
        if not kind_name:
            return _("类型不能为空，可选：%(choices)s。") % {"choices": choices}
        return _("未知的单元类型“%(kind)s”，可选：%(choices)s。") % {
            "kind": kind_name,
            "choices": choices,
        }

    @staticmethod
    def _unknown_parent(code: str) -> str:
        return _("上级编码“%(code)s”既不在文件中，也不是已有单元。") % {"code": code}

    @staticmethod
    def _existing_parents(existing: dict[str, Unit]) -> dict[str, str | None]:
        by_path = {u.path: u.code for u in existing.values()}
        return {
            u.code: by_path.get(u.path[: -Unit.steplen]) if u.depth > 1 else None
            for u in existing.values()
        }

    @staticmethod
    def _depths(parent_of: dict[str, str | None]) -> dict[str, int | None]:
        """Depth of every code (a root is 1), None for codes on or under a cycle.

        Each code is walked once: a walk stops at the first code already known."""
        depths: dict[str, int | None] = {}
        for start in parent_of:
            chain, on_chain, current = [], set(), start
            while current is not None and current not in depths:
                if current in on_chain:
                    break
                chain.append(current)
                on_chain.add(current)
                current = parent_of.get(current)
            if current is None:
                base = 0
            elif current in depths:
                base = depths[current]
            else:
                base = None  # `current` closes a cycle
            for code in reversed(chain):
                base = None if base is None else base + 1
                depths[code] = base
        return depths

    def apply(self, plan: list[UnitRow], report: ImportReport) -> None:
        specs = [
            UnitSpec(
                code=r.code,
                name=r.name,
                kind_id=r.kind.pk,
                headcount=r.headcount,
                parent_code=r.parent_code or None,
            )
            for r in plan
            if r.action != "unchanged"
        ]
        units_bulk_save(specs=specs)


@dataclass
class PersonRow:
    number: int
    username: str
    name: str
    unit: Unit
    role: str
    email: str
    phone: str
    existing: User | None
    action: str = ""


class PersonImporter:
    required = ("username", "name", "unit_code")
    aliases = {
        "用户名": "username",
        "账号": "username",
        "姓名": "name",
        "单元编码": "unit_code",
        "所属单元编码": "unit_code",
        "角色": "role",
        "邮箱": "email",
        "电子邮箱": "email",
        "手机": "phone",
        "手机号": "phone",
        "电话": "phone",
    }
    username_validator = UnicodeUsernameValidator()

    def validate(self, table: Table, report: ImportReport) -> list[PersonRow]:
        usernames = [r.get("username") for r in table.rows]
        unit_codes = {r.get("unit_code") for r in table.rows}
        units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        seen: dict[str, int] = {}
        plan = []
        for row in table.rows:
            ok = True
            username = row.get("username")
            name = row.get("name")
            if not username:
                report.add(row.number, "username", _("用户名不能为空。"))
                ok = False
            else:
                try:
                    self.username_validator(username)
                except ValidationError as exc:
                    report.add(row.number, "username", exc.messages[0])
                    ok = False
                if len(username) > 150:
                    report.add(row.number, "username", _("用户名不能超过 150 个字符。"))
                    ok = False
                if username in seen:
                    report.add(
                        row.number,
                        "username",
                        _("用户名“%(u)s”与第 %(row)s 行重复。")
                        % {"u": username, "row": seen[username]},
                    )
                    ok = False
                else:
                    seen[username] = row.number
            if not name:
                report.add(row.number, "name", _("姓名不能为空。"))
                ok = False
            elif too_long(report, row.number, "name", name, FULL_NAME_MAX):
                ok = False
            unit = units.get(row.get("unit_code"))
            if unit is None:
                report.add(
                    row.number,
                    "unit_code",
                    _("单元编码“%(code)s”不存在，请先导入单元。")
                    % {"code": row.get("unit_code")},
                )
                ok = False
            role_text = row.get("role") or Role.LEARNER
            role = ROLE_ALIASES.get(role_text)
            if role is None:
                report.add(
                    row.number,
                    "role",
                    _("未知角色“%(role)s”，可选：%(choices)s。")
                    % {
                        "role": role_text,
                        "choices": "、".join(importable_role_labels()),
                    },
                )
                ok = False
            elif role == Role.ADMINISTRATOR:
                report.add(
                    row.number,
                    "role",
                    _("系统管理员只能在后台逐个授予，不能批量导入。"),
                )
                ok = False
            email = row.get("email")
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    report.add(
                        row.number, "email", _("邮箱格式不正确：“%(v)s”") % {"v": email}
                    )
                    ok = False
                else:
                    # validate_email allows 320 characters, the column 254.
                    if too_long(report, row.number, "email", email, EMAIL_MAX):
                        ok = False
            phone = row.get("phone")
            if phone and not (
                5 <= len(phone) <= 20 and all(c.isdigit() or c in "+- " for c in phone)
            ):
                report.add(
                    row.number, "phone", _("手机号格式不正确：“%(v)s”") % {"v": phone}
                )
                ok = False
            if not ok:
                continue
            current = existing.get(username)
            if current is not None and current.is_superuser:
                report.add(
                    row.number,
                    "username",
                    _("不能通过导入修改系统管理员“%(u)s”。") % {"u": username},
                )
                continue
            person = PersonRow(
                row.number, username, name, unit, role, email, phone, current
            )
            if current is None:
                person.action = "create"
                report.created += 1
            elif (
                current.full_name,
                current.unit_id,
                current.role,
                current.email,
                current.phone,
            ) == (name, unit.pk, role, email, phone):
                person.action = "unchanged"
                report.unchanged += 1
            else:
                person.action = "update"
                report.updated += 1
            report.preview.append(
                {
                    "row": row.number,
                    "action": person.action,
                    "username": username,
                    "name": name,
                    "unit_code": unit.code,
                    "role": Role(role).label,
                }
            )
            plan.append(person)
        return plan

    def apply(self, plan: list[PersonRow], report: ImportReport) -> None:
        for p in plan:
            if p.action == "create":
                # No password: the person activates with a one-time code.
                person_create(
                    username=p.username,
                    unit=p.unit,
                    role=p.role,
                    full_name=p.name,
                    email=p.email,
                    phone=p.phone,
                )
            elif p.action == "update":
                person = p.existing
                person.full_name, person.unit = p.name, p.unit
                person.email, person.phone = p.email, p.phone
                person.save(update_fields=["full_name", "unit", "email", "phone"])
                if person.role != p.role:
                    person_set_role(person=person, role=p.role)
