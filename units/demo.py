"""Demo units and people for `manage.py load_demo` (idempotent).

永康市 follows its 2019 示范点 figures (docs/demo-content.md): 3 机关, 8 学校, 3 医院,
9 企业 (8 private, 1 state) and 48 村居. Names other than 永康中学 and 胡库村 are demo labels, and
headcounts are generated (fixed seed) — this is demo data, not a roster.
"""

from __future__ import annotations

import os
import random
import secrets

from .models import Role, Unit, UnitKind, User
from .services import person_create, person_set_role, unit_create, unit_kinds_seed

TOWNS = [
    ("GS", "古山镇", 8),
    ("FY", "方岩镇", 8),
    ("ZY", "芝英镇", 8),
    ("SZ", "石柱镇", 8),
    ("DC", "东城街道", 8),
    ("XC", "西城街道", 8),
]


def _tree() -> list[tuple[str, str, str, str | None, int]]:
    """(code, name, kind, parent_code, headcount) rows, parents first."""
    rng = random.Random(2019)  # noqa: S311 - demo headcounts, not security
    rows = [
        ("YK", "永康市", "其他", None, 0),
        ("YK-JG", "市直机关", "其他", "YK", 0),
        ("YK-JG-01", "永康市纪委监委机关", "机关", "YK-JG", 86),
        ("YK-JG-02", "永康市教育局", "机关", "YK-JG", 64),
        ("YK-JG-03", "永康市卫生健康局", "机关", "YK-JG", 58),
        ("YK-XX", "教育系统", "其他", "YK", 0),
        ("YK-XX-01", "永康中学", "学校", "YK-XX", 320),
    ]
    rows += [
        (f"YK-XX-{i:02d}", f"示范学校{i:02d}", "学校", "YK-XX", rng.randint(60, 260))
        for i in range(2, 9)
    ]
    rows += [("YK-YY", "卫生系统", "其他", "YK", 0)]
    rows += [
        (f"YK-YY-{i:02d}", f"示范医院{i:02d}", "医院", "YK-YY", rng.randint(220, 620))
        for i in range(1, 4)
    ]
    rows += [
        ("YK-QY", "企业", "其他", "YK", 0),
        ("YK-QY-01", "示范国有企业01", "企业", "YK-QY", 410),
    ]
    rows += [
        (
            f"YK-QY-{i:02d}",
            f"示范民营企业{i:02d}",
            "企业",
            "YK-QY",
            rng.randint(40, 380),
        )
        for i in range(2, 10)
    ]
    for town_code, town_name, villages in TOWNS:
        parent = f"YK-{town_code}"
        rows.append((parent, town_name, "其他", "YK", 0))
        for i in range(1, villages + 1):
            name = (
                "胡库村"
                if (town_code, i) == ("GS", 1)
                else f"{town_name}示范村居{i:02d}"
            )
            rows.append(
                (f"{parent}-{i:02d}", name, "村居", parent, rng.randint(180, 1400))
            )
    rows += [
        ("KM", "昆明市", "其他", None, 0),
        ("KM-WH", "五华区", "其他", "KM", 0),
        ("KM-WH-JG", "五华区示范机关", "机关", "KM-WH", 72),
        ("KM-WH-CC", "长春小学", "学校", "KM-WH", 140),
        ("KM-WH-YD", "甬道街示范社区", "村居", "KM-WH", 860),
        ("KM-WH-JT1", "示范家庭01", "家庭", "KM-WH-YD", 4),
        ("KM-WH-JT2", "示范家庭02", "家庭", "KM-WH-YD", 5),
        ("KM-WH-ZJ", "示范中介机构", "中介", "KM-WH", 36),
    ]
    return rows


PEOPLE = [
    # username, name, unit, role, managed unit
    ("admin", "演示·系统管理员", "YK-JG-01", Role.ADMINISTRATOR, None),
    ("yk_manager", "演示·永康单元管理员", "YK-JG-01", Role.UNIT_MANAGER, "YK"),
    ("gs_manager", "演示·古山镇管理员", "YK-GS-01", Role.UNIT_MANAGER, "YK-GS"),
    ("km_manager", "演示·昆明单元管理员", "KM-WH-JG", Role.UNIT_MANAGER, "KM"),
    ("campaign", "演示·测评管理员", "YK-JG-01", Role.CAMPAIGN_MANAGER, None),
    ("editor", "演示·内容编辑", "YK-JG-02", Role.EDITOR, None),
    ("learner", "演示·学员", "YK-XX-01", Role.LEARNER, None),
    ("learner_hk", "演示·胡库村村民", "YK-GS-01", Role.LEARNER, None),
    ("learner_km", "演示·长春小学教师", "KM-WH-CC", Role.LEARNER, None),
]


def demo_password() -> tuple[str, bool]:
    """The demo accounts' password: DEMO_ADMIN_PASSWORD, or a new random one."""
    given = os.environ.get("DEMO_ADMIN_PASSWORD", "")
    return (given, False) if given else (secrets.token_urlsafe(9), True)


def load(*, stdout) -> None:
    unit_kinds_seed()
    kinds = {k.name: k for k in UnitKind.objects.all()}
    existing = set(Unit.objects.values_list("code", flat=True))
    created = 0
    for code, name, kind, parent_code, headcount in _tree():
        if code in existing:
            continue
        parent = Unit.objects.get(code=parent_code) if parent_code else None
        unit_create(
            code=code, name=name, kind=kinds[kind], headcount=headcount, parent=parent
        )
        created += 1
    stdout.write(f"单元：新增 {created}，共 {Unit.objects.count()}")

    password, generated = demo_password()
    new_admin = not User.objects.filter(username="admin").exists()
    if new_admin or not generated:
        # A generated password is set only when the accounts are first made, so that
        # re-running load_demo never locks anyone out; DEMO_ADMIN_PASSWORD always applies.
        _ensure_people(password)
        if generated:
            stdout.write(
                "演示账号已创建。密码只显示这一次 / demo password, shown once: "
                f"{password}\n账号 / accounts: " + ", ".join(p[0] for p in PEOPLE)
            )
        else:
            stdout.write("演示账号密码已设为 DEMO_ADMIN_PASSWORD。")
    else:
        stdout.write(
            "演示账号已存在，密码未改变（设置 DEMO_ADMIN_PASSWORD 后重新运行可重置）。"
        )


def _ensure_people(password: str) -> None:
    for username, name, unit_code, role, managed in PEOPLE:
        unit = Unit.objects.get(code=unit_code)
        managed_unit = Unit.objects.get(code=managed) if managed else None
        person = User.objects.filter(username=username).first()
        if person is None:
            person_create(
                username=username,
                unit=unit,
                role=role,
                full_name=name,
                password=password,
                managed_unit=managed_unit,
            )
        else:
            person.set_password(password)
            person.save(update_fields=["password"])
            person_set_role(person=person, role=role, managed_unit=managed_unit)
