"""Wagtail admin listings for the unit tree, unit kinds and people.

Querysets come from units.permissions, so a unit manager browsing here sees their subtree
and nothing else; only administrators get add/edit/delete. Every view of one object
(inspect, edit, delete, history, usage) answers 404 for an object outside the reader's
scope, before Wagtail's own permission check, so it does not even confirm that the
object exists.
"""

from __future__ import annotations

from functools import wraps

import django_filters
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.users.views.users import UserViewSet

from . import permissions
from .forms import PersonForm, UnitForm
from .models import Role, Unit, UnitKind, User
from .selectors import (
    people_activated,
    people_not_activated,
    units_with_subtree_headcount,
)


def _tree_label(unit) -> str:
    # Non-breaking spaces keep the indentation intact when a narrow screen wraps the name.
    if unit.depth == 1:
        return unit.name
    return "\u00a0\u00a0" * (unit.depth - 2) + "└\u00a0" + unit.name


def _unit_choices(request=None):
    # Filter choices are scoped too: a unit manager must not learn other units' names.
    if request is None:
        return Unit.objects.none()
    return permissions.units_visible_to(request.user).order_by("path")


def _transfer_buttons(prefix: str) -> list[Button]:
    """The "import from Excel", "download the template" and "export xlsx/csv" entries of
    a listing's menu: the views `<prefix>_import`, `<prefix>_template`, `<prefix>_export`."""
    import_name, template_name = f"{prefix}_import", f"{prefix}_template"
    export_url = reverse(f"units_admin:{prefix}_export")
    return [
        Button(
            _("从 Excel 导入"),
            url=reverse(f"units_admin:{import_name}"),
            icon_name="upload",
        ),
        Button(
            _("下载导入模板"),
            url=reverse(f"units_admin:{template_name}"),
            icon_name="download",
        ),
        Button(_("导出 xlsx"), url=f"{export_url}?format=xlsx", icon_name="download"),
        Button(_("导出 csv"), url=f"{export_url}?format=csv", icon_name="download"),
    ]


def _objects_in_scope(view, *, visible):
    """`view`, answering 404 when its object (`pk`) is not in `visible(user)`."""

    @wraps(view)
    def scoped(request, *args, **kwargs):
        pk = kwargs.get("pk")
        if (
            pk is not None
            and not visible(request.user).filter(pk=unquote(str(pk))).exists()
        ):
            raise Http404
        return view(request, *args, **kwargs)

    return scoped


class ScopedObjectsMixin:
    """For a ModelViewSet: objects outside `visible_objects(user)` are a 404 in every view."""

    def visible_objects(self, user):
        raise NotImplementedError

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(view_class, **kwargs)
        return _objects_in_scope(view, visible=self.visible_objects)


class UnitFilterSet(WagtailFilterSet):
    parent = django_filters.ModelChoiceFilter(
        label=_("上级单元（直属下级）"),
        queryset=_unit_choices,
        method="filter_parent",
    )
    within = django_filters.ModelChoiceFilter(
        label=_("范围（含所有下级）"),
        queryset=_unit_choices,
        method="filter_within",
    )

    class Meta:
        model = Unit
        fields = ["kind"]

    def filter_parent(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path, depth=value.depth + 1)

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path)


class UnitIndexView(generic.IndexView):
    default_ordering = "path"

    def get_base_queryset(self):
        visible = permissions.units_visible_to(self.request.user).select_related("kind")
        return units_with_subtree_headcount(queryset=visible)

    def search_queryset(self, queryset):
        # Plain ORM search: codes and Chinese names are matched as substrings.
        if self.search_query:
            return queryset.filter(
                Q(name__icontains=self.search_query)
                | Q(code__icontains=self.search_query)
            )
        return queryset

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if permissions.can_change_units(self.request.user):
            buttons += _transfer_buttons("unit")
        return buttons


class UnitViewSet(ScopedObjectsMixin, ModelViewSet):
    model = Unit
    icon = "site"
    menu_label = _("单元树")
    menu_order = 100
    index_view_class = UnitIndexView
    filterset_class = UnitFilterSet
    search_fields = ["name", "code"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ["code", "name", "kind", "headcount", "depth"]
    list_display = [
        TitleColumn(
            "name",
            label=_("名称"),
            accessor=_tree_label,
            url_name="units_unit:edit",
        ),
        Column("code", label=_("编码")),
        Column("kind", label=_("类型")),
        Column("headcount", label=_("本单元人数")),
        Column("subtree_headcount", label=_("含下级人数")),
    ]

    def visible_objects(self, user):
        return permissions.units_visible_to(user)

    def get_form_class(self, for_update=False):
        return UnitForm


class UnitKindViewSet(ModelViewSet):
    model = UnitKind
    icon = "tag"
    menu_label = _("单元类型")
    menu_order = 110
    form_fields = ["name", "sort_order"]
    list_display = ["name", "sort_order"]
    copy_view_enabled = False


class PersonFilterSet(WagtailFilterSet):
    within = django_filters.ModelChoiceFilter(
        label=_("单元（含下级）"),
        queryset=_unit_choices,
        method="filter_within",
    )
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices)
    activated = django_filters.BooleanFilter(
        label=_("已激活"), method="filter_activated"
    )

    class Meta:
        model = User
        fields = ["is_active"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)

    def filter_activated(self, queryset, name, value):
        if value:
            return people_activated(queryset=queryset)
        return people_not_activated(queryset=queryset)


class PersonIndexView(generic.IndexView):
    default_ordering = "username"

    def get_base_queryset(self):
        return permissions.people_visible_to(self.request.user).select_related("unit")

    def search_queryset(self, queryset):
        if self.search_query:
            q = self.search_query
            return queryset.filter(
                Q(username__icontains=q)
                | Q(full_name__icontains=q)
                | Q(phone__icontains=q)
                | Q(email__icontains=q)
            )
        return queryset

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if permissions.can_import_people(self.request.user):
            buttons += _transfer_buttons("person")
            buttons.append(
                Button(
                    _("签发激活码"),
                    url=reverse("units_admin:activation_codes"),
                    icon_name="key",
                )
            )
        return buttons


class PersonViewSet(ScopedObjectsMixin, ModelViewSet):
    model = User
    icon = "user"
    menu_label = _("人员")
    menu_order = 120
    index_view_class = PersonIndexView
    filterset_class = PersonFilterSet
    search_fields = ["username", "full_name"]
    list_per_page = 50
    copy_view_enabled = False
    list_display = [
        TitleColumn("username", label=_("用户名"), url_name="units_person:edit"),
        Column("full_name", label=_("姓名")),
        Column("unit", label=_("所属单元")),
        Column("role", label=_("角色"), accessor="get_role_display"),
        Column(
            "activated",
            label=_("已激活"),
            accessor=lambda p: _("是") if p.has_usable_password() else _("否"),
        ),
    ]

    def visible_objects(self, user):
        return permissions.people_visible_to(user)

    def get_form_class(self, for_update=False):
        return PersonForm


class UnitsViewSetGroup(ModelViewSetGroup):
    menu_label = _("清廉单元")
    menu_icon = "site"
    menu_order = 250
    items = (
        UnitViewSet("units_unit"),
        UnitKindViewSet("units_kind"),
        PersonViewSet("units_person"),
    )


class WagtailUserViewSet(UserViewSet):
    """Wagtail's own user screens (/admin/users/), for administrators only: they list
    and search every account, and create people without a unit or role. Everyone else
    gets a 404 on every one of them, listed in the menu or not."""

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(view_class, **kwargs)

        @wraps(view)
        def administrators_only(request, *args, **kwargs):
            if not permissions.can_use_wagtail_user_admin(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return administrators_only
