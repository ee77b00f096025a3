"""A fresh install: `migrate` alone, with no demo data and no fixture, gives the default
unit kinds, and a city's unit tree imports into it straight away."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tabular.importing import import_file
from units.imports import UnitImporter
from units.models import Unit, UnitKind

DEFAULTS = ["机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"]
# One unit of every default kind, under a city listed last: the file a city sends.
TREE = (
    "编码,名称,类型,上级编码,人数\n"
    "YK-JW,市纪委,机关,YK,40\n"
    "YK-QY,永康五金公司,企业,YK,300\n"
    "YK-XX,永康一中,学校,YK,180\n"
    "YK-YY,市人民医院,医院,YK,600\n"
    "YK-CJ,胡库村,村居,YK,900\n"
    "YK-JT,胡氏家庭,家庭,YK-CJ,5\n"
    "YK-ZJ,某会计师事务所,中介,YK,12\n"
    "YK,永康市,其他,,0\n"
)


def _kinds():
    return list(UnitKind.objects.values_list("name", "sort_order"))


@pytest.mark.django_db
def test_migrations_alone_create_the_default_kinds_in_order():
    assert _kinds() == [(name, order * 10) for order, name in enumerate(DEFAULTS)]


@pytest.mark.django_db
def test_the_unit_import_works_on_a_database_with_only_its_migrations():
    assert not Unit.objects.exists()
    report = import_file(
        UnitImporter(), data=TREE.encode(), filename="units.csv", dry_run=False
    )
    assert [str(e) for e in report.errors] == []
    assert report.applied and report.created == 8
    assert set(Unit.objects.values_list("kind__name", flat=True)) == set(DEFAULTS)
    assert Unit.objects.get(code="YK-JT").get_parent().code == "YK-CJ"


@pytest.mark.django_db
def test_the_import_units_command_works_on_a_database_with_only_its_migrations(
    tmp_path,
):
    path = tmp_path / "单元.csv"
    path.write_text(TREE, encoding="utf-8")
    out = io.StringIO()
    call_command("import_units", str(path), stdout=out)
    assert out.getvalue().strip() == "导入完成：新增 8，更新 0，未变 0，错误 0"
    assert Unit.objects.count() == 8


def _migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrated_back_to_the_initial_units_schema():
    _migrate(("units", "0001_initial"))
    yield
    # Whatever later migrations were unapplied on the way down come back for other tests.
    _migrate()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_back_to_the_initial_units_schema")
def test_the_kinds_migration_keeps_existing_kinds_and_adds_only_missing_ones():
    # A database that already had kinds before the migration: one renumbered by hand,
    # one the city added, one default deleted.
    assert len(_kinds()) == 8, "unapplying the migration must not delete kinds"
    UnitKind.objects.filter(name="机关").update(sort_order=99)
    UnitKind.objects.filter(name="中介").delete()
    UnitKind.objects.create(name="金融", sort_order=65)
    kept = UnitKind.objects.get(name="学校").pk

    _migrate(("units", "0002_default_unit_kinds"))

    names = [name for name, _order in _kinds()]
    assert sorted(names) == sorted([*DEFAULTS, "金融"])
    assert len(names) == len(set(names))
    assert UnitKind.objects.get(name="机关").sort_order == 99
    assert UnitKind.objects.get(name="中介").sort_order == 60
    assert UnitKind.objects.get(name="学校").pk == kept


@pytest.mark.django_db
def test_load_demo_on_a_migrated_database_adds_no_second_set_of_kinds():
    from units import demo

    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    assert _kinds() == [(name, order * 10) for order, name in enumerate(DEFAULTS)]
    assert Unit.objects.filter(code="YK").exists()
