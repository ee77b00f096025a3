"""清廉单元 (units), their kinds, and the people who belong to them.

The tree uses treebeard's materialised path (the same structure Wagtail uses for pages):
a subtree is a `path__startswith` filter, so rollups stay single SQL queries.
"""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    _("编码只能包含字母、数字、下划线、点和连字符，且以字母或数字开头。"),
)


class UnitKind(models.Model):
    """A kind of unit (机关、企业、学校…): an editable list, so cities can add 金融、工程 etc."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("单元类型")
        verbose_name_plural = _("单元类型")

    def __str__(self) -> str:
        return self.name


class Unit(MP_Node):
    """One 清廉单元: a city, a town, an office, a school, a village, a family…

    `headcount` is the unit's own people, not its children's: a subtree's headcount is the
    sum over the subtree (docs/metrics.md).
    """

    code = models.CharField(
        _("编码"), max_length=64, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("名称"), max_length=120)
    kind = models.ForeignKey(
        UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("类型")
    )
    headcount = models.PositiveIntegerField(_("人数"), default=0)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("清廉单元")
        verbose_name_plural = _("清廉单元")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def parent_unit(self) -> Unit | None:
        return self.get_parent()


class Role(models.TextChoices):
    LEARNER = "learner", _("学员")
    UNIT_MANAGER = "unit_manager", _("单元管理员")
    CAMPAIGN_MANAGER = "campaign_manager", _("测评管理员")
    EDITOR = "editor", _("内容编辑")
    ADMINISTRATOR = "administrator", _("系统管理员")


class User(AbstractUser):
    """A person: a learner, or someone who manages units, campaigns or content.

    Every person belongs to one primary unit. A unit manager manages the subtree rooted at
    `managed_unit` (or at their own unit when it is empty).
    """

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("所属单元"),
    )
    role = models.CharField(
        _("角色"), max_length=32, choices=Role.choices, default=Role.LEARNER
    )
    managed_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        related_name="managers",
        null=True,
        blank=True,
        verbose_name=_("管理范围"),
        help_text=_("单元管理员可查看的子树根；留空则为其所属单元。"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    @property
    def scope_unit(self) -> Unit | None:
        return self.managed_unit or self.unit


class ActivationCode(models.Model):
    """A one-time code with which an imported person sets their own password.

    Only a hash is stored: the code itself is shown once, when it is issued.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="activation_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")

    @staticmethod
    def hash_code(code: str) -> str:
        normalised = code.strip().upper().replace("-", "").replace(" ", "")
        return hashlib.sha256(normalised.encode()).hexdigest()

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class UnitImportJob(models.Model):
    """A units file too large for one request (UNIT_IMPORT_BACKGROUND_ROWS), checked
    and then written by the background worker while the admin page shows progress.

    The file waits in IMPORT_UPLOAD_ROOT (never public) until it is written or
    abandoned; `report` keeps what the import page shows: counts, errors, preview."""

    class State(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("已检查")
        WRITING = "writing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    upload = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("单元导入任务")
        verbose_name_plural = _("单元导入任务")
