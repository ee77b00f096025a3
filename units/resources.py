"""Exports of units and people through django-import-export, in the same columns the
importers read, so an exported file can be edited and imported back.

django-import-export gathers the rows; tabular.exporting writes the file, so these
exports follow the cell rule of every other export (text never runs as a formula, and
comes back unchanged through the importers)."""

from __future__ import annotations

from import_export import fields, resources

from tabular.exporting import rows_to_csv, rows_to_xlsx

from .models import Role, Unit, User
from .selectors import unit_parent_codes


class UnitResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")
    kind = fields.Field(attribute="kind__name", column_name="kind")
    parent_code = fields.Field(column_name="parent_code")
    headcount = fields.Field(attribute="headcount", column_name="headcount")

    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent_code", "headcount")
        export_order = fields

    def __init__(self, parent_codes: dict[int, str | None] | None = None):
        super().__init__()
        self._parent_codes = parent_codes or {}

    def dehydrate_parent_code(self, unit: Unit) -> str:
        return self._parent_codes.get(unit.pk) or ""


class PersonResource(resources.ModelResource):
    username = fields.Field(attribute="username", column_name="username")
    name = fields.Field(attribute="full_name", column_name="name")
    unit_code = fields.Field(attribute="unit__code", column_name="unit_code")
    role = fields.Field(attribute="role", column_name="role")
    email = fields.Field(attribute="email", column_name="email")
    phone = fields.Field(attribute="phone", column_name="phone")

    class Meta:
        model = User
        fields = ("username", "name", "unit_code", "role", "email", "phone")
        export_order = fields

    def dehydrate_role(self, person: User) -> str:
        return Role.ADMINISTRATOR if person.is_superuser else person.role


def export_units(queryset, file_format: str) -> bytes:
    queryset = queryset.select_related("kind").order_by("path")
    resource = UnitResource(parent_codes=unit_parent_codes(queryset=queryset))
    dataset = resource.export(queryset=queryset)
    return _encode(dataset, file_format, title="units")


def export_people(queryset, file_format: str) -> bytes:
    queryset = queryset.select_related("unit").order_by("unit__path", "username")
    dataset = PersonResource().export(queryset=queryset)
    return _encode(dataset, file_format, title="people")


def _encode(dataset, file_format: str, *, title: str) -> bytes:
    if file_format == "csv":
        return rows_to_csv(dataset.headers, dataset)
    return rows_to_xlsx([(title, dataset.headers, dataset)])


ACTIVATION_SHEET_HEADERS = ["username", "name", "unit_code", "code", "expires"]


def activation_sheet_rows(issued) -> list[list[str]]:
    """Rows of the one-time activation sheet for (person, code, expires_at) triples."""
    from django.utils import timezone

    return [
        [
            person.username,
            person.full_name,
            person.unit.code if person.unit else "",
            code,
            timezone.localtime(expires).strftime("%Y-%m-%d"),
        ]
        for person, code, expires in issued
    ]
