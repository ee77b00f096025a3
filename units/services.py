"""Writes about units and people: creating and moving units, roles, activation codes."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ActivationCode, Role, Unit, UnitImportJob, UnitKind, User
from .permissions import ROLE_GROUPS, needs_admin_access

DEFAULT_KINDS = ["机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"]
# Unambiguous characters only: people type these codes from paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# A unit's own people: a city district is far below this, and a typo such as 1e30 is refused
# with a clear message instead of overflowing the database column.
HEADCOUNT_MAX = 10_000_000


# --- units -------------------------------------------------------------------------


def unit_kinds_seed() -> None:
    """Make sure every default kind exists, leaving existing kinds as they are.

    A fresh install gets these kinds from migration 0002; load_demo calls this too because
    the demo tree uses every default kind, even where an administrator removed one."""
    for order, name in enumerate(DEFAULT_KINDS):
        UnitKind.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


def _would_cycle(unit: Unit, parent: Unit | None) -> bool:
    return parent is not None and parent.path.startswith(unit.path)


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: UnitKind,
    headcount: int = 0,
    parent: Unit | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, headcount=headcount)
    if parent is None:
        return Unit.add_root(instance=unit)
    parent.refresh_from_db()
    return parent.add_child(instance=unit)


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    kind: UnitKind,
    headcount: int,
    parent: Unit | None,
    code: str | None = None,
) -> Unit:
    """Change a unit's fields and, when `parent` differs, move its whole subtree."""
    unit.refresh_from_db()
    if _would_cycle(unit, parent):
        raise ValidationError(_("不能把单元移动到它自己或它的下级单元之下。"))
    current_parent = unit.get_parent()
    unit.name, unit.kind, unit.headcount = name, kind, headcount
    if code:
        unit.code = code
    unit.save(update_fields=["name", "kind", "headcount", "code"])
    if (current_parent.pk if current_parent else None) != (
        parent.pk if parent else None
    ):
        if parent is None:
            first_root = Unit.get_first_root_node()
            unit.move(first_root, pos="sorted-sibling")
        else:
            parent.refresh_from_db()
            unit.move(parent, pos="sorted-child")
        unit.refresh_from_db()
    return unit


@dataclass(frozen=True)
class UnitSpec:
    """One unit as an import wants it: its fields and its parent's code (None: a root)."""

    code: str
    name: str
    kind_id: int
    headcount: int
    parent_code: str | None


# Batches small enough for SQLite's variable limit, and for bulk_update's CASE, whose
# cost grows with the batch size for every row of the batch.
BULK_BATCH = 500


def _collation_order(codes: list[str]) -> dict[str, int]:
    """Rank of each code in the order the database sorts the `code` column.

    treebeard places siblings by `node_order_by` as the database compares it, and
    PostgreSQL's collation (e.g. en_US) is not Python's order; SQLite compares bytes,
    which is Python's order for str."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c FROM unnest(%s::text[]) AS c ORDER BY c", [list(codes)]
            )
            ordered = [row[0] for row in cursor.fetchall()]
    else:
        ordered = sorted(codes)
    return {code: rank for rank, code in enumerate(ordered)}


def _step(position: int) -> str:
    key = Unit._int2str(position)
    if len(key) > Unit.steplen:
        raise ValidationError(_("同一上级下的单元过多，无法写入单元树。"))
    return key.rjust(Unit.steplen, Unit.alphabet[0])


@transaction.atomic
def units_bulk_save(*, specs: list[UnitSpec]) -> None:
    """Create and update many units at once, parents and moves included, in a handful
    of statements instead of treebeard's several per unit.

    The whole tree is laid out in Python: children of every parent that gains, loses or
    receives a unit are numbered 1, 2, 3… in code order (what treebeard's sorted insert
    and `fix_tree(fix_paths=True)` give); elsewhere each unit keeps its own step, and
    only the units whose path, depth, numchild or fields change are written. Callers
    have validated the specs (codes unique, parents known, no cycles)."""
    fields = ("pk", "code", "path", "depth", "numchild", "name", "kind_id", "headcount")
    existing = {row[1]: row for row in Unit.objects.values_list(*fields)}
    code_at = {row[2]: code for code, row in existing.items()}
    parent_of: dict[str, str | None] = {
        code: code_at[row[2][: -Unit.steplen]] if row[3] > 1 else None
        for code, row in existing.items()
    }
    wanted = {spec.code: spec for spec in specs}
    # Parents whose children must be renumbered; None stands for the roots.
    dirty: set[str | None] = set()
    for spec in specs:
        old = parent_of.get(spec.code, "") if spec.code in existing else ""
        if old != spec.parent_code:
            dirty.add(spec.parent_code)
            if spec.code in existing:
                dirty.add(old)
        parent_of[spec.code] = spec.parent_code
    children: dict[str | None, list[str]] = {}
    for code, parent in parent_of.items():
        children.setdefault(parent, []).append(code)
    rank = _collation_order(
        [code for parent in dirty for code in children.get(parent, ())]
    )

    new_path: dict[str, str] = {}
    stack: list[tuple[str | None, str]] = [(None, "")]
    while stack:
        parent, prefix = stack.pop()
        kids = children.get(parent, [])
        if parent in dirty:
            kids.sort(key=rank.__getitem__)
            steps = [_step(n) for n in range(1, len(kids) + 1)]
        else:
            steps = [existing[kid][2][-Unit.steplen :] for kid in kids]
        for kid, step in zip(kids, steps, strict=True):
            path = prefix + step
            new_path[kid] = path
            if kid in children:
                stack.append((kid, path))

    to_create, moved, to_update = [], [], []
    for code, path in new_path.items():
        numchild = len(children.get(code, ()))
        depth = len(path) // Unit.steplen
        spec = wanted.get(code)
        row = existing.get(code)
        if row is None:
            to_create.append(
                Unit(
                    code=code,
                    name=spec.name,
                    kind_id=spec.kind_id,
                    headcount=spec.headcount,
                    path=path,
                    depth=depth,
                    numchild=numchild,
                )
            )
            continue
        pk, _code, old_path, old_depth, old_numchild, name, kind_id, headcount = row
        if spec is not None:
            name, kind_id, headcount = spec.name, spec.kind_id, spec.headcount
        after = (path, depth, numchild, name, kind_id, headcount)
        if after != (old_path, old_depth, old_numchild, *row[5:]):
            unit = Unit(
                pk=pk,
                code=code,
                path=path,
                depth=depth,
                numchild=numchild,
                name=name,
                kind_id=kind_id,
                headcount=headcount,
            )
            to_update.append(unit)
            if path != old_path:
                moved.append(Unit(pk=pk, path=f"~{pk}"))
    # Paths are unique: units that move step aside first, so that neither a new unit
    # nor a moved one lands on a path still held by a unit that has yet to move.
    Unit.objects.bulk_update(moved, ["path"], batch_size=BULK_BATCH)
    for start in range(0, len(to_create), BULK_BATCH):
        batch = to_create[start : start + BULK_BATCH]
        Unit.objects.bulk_create(batch)
    changed = ["path", "depth", "numchild", "name", "kind", "headcount"]
    for start in range(0, len(to_update), BULK_BATCH):
        batch = to_update[start : start + BULK_BATCH]
        Unit.objects.bulk_update(batch, changed)


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    unit.refresh_from_db()
    if User.objects.filter(unit__path__startswith=unit.path).exists():
        raise ValidationError(_("该单元或其下级单元还有人员，不能删除。"))
    unit.delete()


# --- large unit imports in the background ------------------------------------------

# Errors and preview rows kept for the result page: more would not be read, and a file of
# 100,000 bad rows would make a very large job row.
JOB_REPORT_ERRORS = 1000
JOB_PREVIEW_ROWS = 200
# The check reports every PROGRESS_EVERY rows; the job row is written at most this often.
JOB_PROGRESS_SECONDS = 0.5


def _job_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.IMPORT_UPLOAD_ROOT)


def unit_import_job_start(
    *, user: User, data: bytes, filename: str, rows: int
) -> UnitImportJob:
    """Keep the file privately and queue its check; the admin page follows the job."""
    job = UnitImportJob(user=user, filename=filename[:255], rows_total=rows)
    job.upload = _job_storage().save(
        f"units-job-{job.id.hex}{PurePath(filename).suffix.lower()}", ContentFile(data)
    )
    job.state = UnitImportJob.State.CHECKING
    job.save()
    _enqueue(job)
    return job


def _enqueue(job: UnitImportJob) -> None:
    from .tasks import unit_import_job

    # After commit: the worker must find the job row it is given.
    transaction.on_commit(lambda: unit_import_job.enqueue(str(job.pk)))


def unit_import_job_confirm(*, job: UnitImportJob) -> bool:
    """Queue the write of a checked job. Only one confirmation wins (a double click or a
    second tab finds the job no longer waiting and changes nothing)."""
    claimed = UnitImportJob.objects.filter(
        pk=job.pk, state=UnitImportJob.State.CHECKED, report__ok=True
    ).update(state=UnitImportJob.State.WRITING, rows_done=0)
    if claimed:
        _enqueue(job)
    return bool(claimed)


def _report_json(report) -> dict:
    return {
        "ok": report.ok,
        "applied": report.applied,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": len(report.errors),
        "errors": [
            [e.row, e.column, e.message] for e in report.errors[:JOB_REPORT_ERRORS]
        ],
        "notes": list(report.notes),
        "preview_count": len(report.preview),
        "preview": report.preview[:JOB_PREVIEW_ROWS],
        "summary": report.summary(),
    }


def unit_import_job_run(*, job_id: str) -> str:
    """The worker's part: check (state checking) or write (state writing) the file.

    Progress is written outside the import's transaction (the check runs before it), so
    the status page sees it while the job runs."""
    from tabular.importing import import_file

    from .imports import UnitImporter

    job = UnitImportJob.objects.get(pk=job_id)
    writing = job.state == UnitImportJob.State.WRITING
    if job.state not in (UnitImportJob.State.CHECKING, UnitImportJob.State.WRITING):
        return job.state
    last = 0.0

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if phase == "check" and (now - last >= JOB_PROGRESS_SECONDS or done == total):
            last = now
            UnitImportJob.objects.filter(pk=job.pk).update(
                rows_done=done, rows_total=total
            )

    storage = _job_storage()
    try:
        with storage.open(job.upload, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        data = None
    if data is None:
        report_json = {
            "ok": False,
            "error_count": 1,
            "errors": [[0, "", str(_("上传的文件已失效，请重新上传。"))]],
        }
        state = UnitImportJob.State.FAILED
    else:
        report = import_file(
            UnitImporter(progress=progress),
            data=data,
            filename=job.upload,
            dry_run=not writing,
        )
        report_json = _report_json(report)
        if writing:
            state = (
                UnitImportJob.State.DONE
                if report.applied
                else UnitImportJob.State.FAILED
            )
        else:
            state = UnitImportJob.State.CHECKED
    if state != UnitImportJob.State.CHECKED or not report_json["ok"]:
        storage.delete(job.upload)
    UnitImportJob.objects.filter(pk=job.pk).update(
        state=state, report=report_json, rows_done=job.rows_total
    )
    return state


# --- people ------------------------------------------------------------------------


def _role_group(role: str) -> Group | None:
    name = ROLE_GROUPS.get(role)
    if name is None:
        return None
    group, created = Group.objects.get_or_create(name=name)
    if created or not group.permissions.exists():
        access = Permission.objects.filter(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        group.permissions.add(*access)
    return group


@transaction.atomic
def person_set_role(
    *, person: User, role: str, managed_unit: Unit | None = None
) -> User:
    """Give `person` a role, keeping Django's flags and groups in step with it."""
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    person.role = role
    person.is_superuser = role == Role.ADMINISTRATOR
    person.is_staff = needs_admin_access(role)
    person.managed_unit = managed_unit if role == Role.UNIT_MANAGER else None
    person.save(update_fields=["role", "is_superuser", "is_staff", "managed_unit"])
    role_group_names = set(ROLE_GROUPS.values())
    person.groups.remove(*person.groups.filter(name__in=role_group_names))
    group = _role_group(role)
    if group is not None:
        person.groups.add(group)
    return person


@transaction.atomic
def person_create(
    *,
    username: str,
    unit: Unit | None,
    role: str = Role.LEARNER,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    password: str | None = None,
    managed_unit: Unit | None = None,
) -> User:
    """Create a person. Without a password the account has none usable: the person sets
    one with an activation code (activation_codes_issue)."""
    person = User(
        username=username, unit=unit, full_name=full_name, email=email, phone=phone
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    return person_set_role(person=person, role=role, managed_unit=managed_unit)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def activation_codes_issue(*, people) -> list[tuple[User, str, datetime]]:
    """Issue a fresh one-time code to each person, voiding earlier unused ones.

    Returns (person, code, expires_at); the codes are not stored and cannot be shown again.
    """
    now = timezone.now()
    expires = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    issued = []
    people = list(people)
    ActivationCode.objects.filter(user__in=people, used_at__isnull=True).delete()
    for person in people:
        code = _new_code()
        ActivationCode.objects.create(
            user=person,
            code_hash=ActivationCode.hash_code(code),
            created_at=now,
            expires_at=expires,
        )
        issued.append((person, code, expires))
    return issued


class ActivationCodeSpent(ValidationError):
    """The code was used (or expired) between the form's check and the redemption."""


def activation_code_find(*, username: str, code: str) -> ActivationCode | None:
    found = (
        ActivationCode.objects.select_related("user")
        .filter(code_hash=ActivationCode.hash_code(code), user__username=username)
        .first()
    )
    return found if found and found.usable and found.user.is_active else None


@transaction.atomic
def activation_code_redeem(*, activation: ActivationCode, password: str) -> User:
    """Spend the code and set the person's password; a second use raises
    ActivationCodeSpent.

    The code is claimed by one conditional UPDATE: of several requests racing with the
    same code, exactly one changes the row; the others change nothing and are told so."""
    now = timezone.now()
    claimed = ActivationCode.objects.filter(
        pk=activation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise ActivationCodeSpent(_("激活码已使用或已过期。"))
    person = User.objects.get(pk=activation.user_id)
    person.set_password(password)
    person.save(update_fields=["password"])
    return person
