"""Importing units and people: every error kind is reported with its row, and a file with
any bad row writes nothing. The database has only its migrations: the kinds used here are
the defaults a fresh install has."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from tabular.importing import import_file
from units.imports import PersonImporter, UnitImporter
from units.models import Unit, UnitKind, User
from units.selectors import unit_subtree_headcount

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,parent_code,headcount\n"


def run_units(text, *, dry_run=False, encoding="utf-8", filename="units.csv"):
    return import_file(
        UnitImporter(), data=text.encode(encoding), filename=filename, dry_run=dry_run
    )


def messages(report):
    return [str(e) for e in report.errors]


def test_a_valid_file_creates_the_tree_parents_first_even_when_listed_later():
    report = run_units(
        HEADER
        + "YK-GS-01,胡库村,村居,YK-GS,120\n"
        + "YK-GS,古山镇,其他,YK,0\n"
        + "YK,永康市,其他,,0\n"
    )
    assert report.applied and report.created == 3
    assert Unit.objects.get(code="YK-GS-01").get_parent().code == "YK-GS"
    assert unit_subtree_headcount(root=Unit.objects.get(code="YK")) == 120


def test_dry_run_reports_but_writes_nothing():
    report = run_units(HEADER + "YK,永康市,其他,,0\n", dry_run=True)
    assert report.ok and not report.applied and report.created == 1
    assert Unit.objects.count() == 0


def test_unknown_parent_is_reported_and_nothing_written():
    report = run_units(HEADER + "YK,永康市,其他,,0\nA,甲,机关,NOPE,3\n")
    assert messages(report) == [
        "第 3 行（parent_code）：上级编码“NOPE”既不在文件中，也不是已有单元。"
    ]
    assert Unit.objects.count() == 0


def test_duplicate_code_in_the_file_names_both_rows():
    report = run_units(HEADER + "YK,永康市,其他,,0\nYK,永康,其他,,0\n")
    assert messages(report) == ["第 3 行（code）：编码“YK”与第 2 行重复。"]
    assert Unit.objects.count() == 0


def test_cycle_within_the_file_is_reported_for_every_row_in_it():
    report = run_units(HEADER + "A,甲,其他,B,0\nB,乙,其他,A,0\nC,丙,其他,,0\n")
    assert messages(report) == [
        "第 2 行（parent_code）：上级关系形成循环：“A”最终会成为自己的下级。",
        "第 3 行（parent_code）：上级关系形成循环：“B”最终会成为自己的下级。",
    ]
    assert Unit.objects.count() == 0


def test_cycle_through_existing_units_is_caught(city):
    # YK-GS already sits above YK-GS-01; making YK-GS a child of YK-GS-01 is a cycle.
    report = run_units(HEADER + "YK-GS,古山镇,其他,YK-GS-01,0\n")
    assert "形成循环" in messages(report)[0]
    assert Unit.objects.get(code="YK-GS").get_parent().code == "YK"


def test_a_unit_that_is_its_own_parent_is_a_cycle():
    report = run_units(HEADER + "A,甲,其他,A,0\n")
    assert messages(report) == [
        "第 2 行（parent_code）：上级关系形成循环：“A”最终会成为自己的下级。"
    ]


def test_bad_kind_lists_the_valid_kinds():
    report = run_units(HEADER + "A,甲,银行,,0\n")
    assert messages(report) == [
        "第 2 行（kind）：未知的单元类型“银行”，可选：机关、企业、学校、医院、村居、家庭、中介、其他。"
    ]
    assert Unit.objects.count() == 0


def test_a_blank_kind_lists_the_valid_kinds():
    report = run_units(HEADER + "A,甲,,,0\n")
    assert messages(report) == [
        "第 2 行（kind）：类型不能为空，可选：机关、企业、学校、医院、村居、家庭、中介、其他。"
    ]


def test_a_kind_added_by_the_city_is_accepted_and_listed():
    UnitKind.objects.create(name="金融", sort_order=65)
    report = run_units(HEADER + "A,甲,金融,,0\nB,乙,银行,,0\n")
    assert messages(report) == [
        "第 3 行（kind）：未知的单元类型“银行”，可选：机关、企业、学校、医院、村居、家庭、中介、金融、其他。"
    ]


def test_without_any_kind_the_error_says_where_to_add_them():
    UnitKind.objects.all().delete()
    report = run_units(HEADER + "A,甲,机关,,0\n")
    assert messages(report) == [
        "第 2 行（kind）：尚未设置任何单元类型：请先在“清廉单元 → 单元类型”中添加。"
    ]


def test_the_unknown_kind_message_is_translated_to_english():
    with translation.override("en"):
        report = run_units(HEADER + "A,甲,银行,,0\n")
    assert messages(report) == [
        '第 2 行（kind）：Unknown unit type "银行". Options: '
        "机关、企业、学校、医院、村居、家庭、中介、其他."
    ]


def test_every_bad_row_is_reported_not_just_the_first():
    report = run_units(
        HEADER
        + "A,,机关,,1\n,乙,机关,,1\nC,丙,机关,,-4\nD,丁,机关,,2.5\nE F,戊,机关,,1\n"
    )
    assert messages(report) == [
        "第 2 行（name）：名称不能为空。",
        "第 3 行（code）：编码不能为空。",
        "第 4 行（headcount）：人数必须是不小于 0 的整数：“-4”",
        "第 5 行（headcount）：人数必须是不小于 0 的整数：“2.5”",
        "第 6 行（code）：编码只能包含字母、数字、下划线、点和连字符，且以字母或数字开头。",
    ]
    assert Unit.objects.count() == 0


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet():
    report = run_units(HEADER + ",,,,\n\nA,甲,机关,,1\n,,,,\nB,乙,机关,NOPE,1\n")
    assert messages(report) == [
        "第 6 行（parent_code）：上级编码“NOPE”既不在文件中，也不是已有单元。"
    ]


def test_gbk_csv_saved_by_excel_in_china_is_read():
    report = run_units(HEADER + "YK,永康市,其他,,0\n", encoding="gbk")
    assert report.applied
    assert Unit.objects.get(code="YK").name == "永康市"


def test_utf8_with_bom_and_chinese_headers_are_read():
    text = "\ufeff编码,名称,类型,上级编码,人数\nYK,永康市,其他,,12\n"
    report = run_units(text)
    assert report.applied
    assert Unit.objects.get(code="YK").headcount == 12


def test_undecodable_bytes_are_a_file_level_error():
    report = import_file(
        UnitImporter(),
        data=HEADER.encode() + b"\xff\xfe\xfa\xfb,\x81\n",
        filename="u.csv",
        dry_run=False,
    )
    assert messages(report) == [
        "文件：无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 xlsx 文件。"
    ]


def test_missing_required_column_is_reported():
    report = run_units("code,name\nA,甲\n")
    assert messages(report) == ["文件：缺少必需的列：kind。"]


def test_xlsx_with_numbers_as_floats_is_read():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "kind", "parent_code", "headcount"])
    sheet.append(["YK", "永康市", "其他", None, 0])
    sheet.append([2019, "示范学校", "学校", "YK", 48.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_file(
        UnitImporter(), data=buffer.getvalue(), filename="u.xlsx", dry_run=False
    )
    assert report.applied
    school = Unit.objects.get(code="2019")
    assert school.headcount == 48 and school.get_parent().code == "YK"


def test_existing_units_are_updated_and_moved(city):
    report = run_units(
        HEADER + "YK-GS-01,胡库村（新）,村居,YK-JG,110\nYK-GS-02,示范村,村居,YK-GS,50\n"
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.applied
    village = Unit.objects.get(code="YK-GS-01")
    assert village.name == "胡库村（新）" and village.get_parent().code == "YK-JG"
    assert unit_subtree_headcount(root=Unit.objects.get(code="YK-JG")) == 140


def test_unsupported_file_type_is_refused():
    report = import_file(UnitImporter(), data=b"x", filename="u.xls", dry_run=False)
    assert messages(report) == [
        "文件：不支持的文件类型“.xls”：请上传 xlsx 或 csv 文件。"
    ]


# --- people ----------------------------------------------------------------------

PEOPLE_HEADER = "username,name,unit_code,role,email,phone\n"


def run_people(text, *, dry_run=False, encoding="utf-8"):
    return import_file(
        PersonImporter(), data=text.encode(encoding), filename="p.csv", dry_run=dry_run
    )


def test_people_are_created_without_a_usable_password(city):
    report = run_people(
        PEOPLE_HEADER
        + "zhang3,张三,YK-GS-01,学员,z3@example.com,13800000000\n"
        + "li4,李四,YK-JG-01,unit_manager,,\n"
    )
    assert report.applied and report.created == 2
    zhang = User.objects.get(username="zhang3")
    assert zhang.full_name == "张三" and zhang.unit.code == "YK-GS-01"
    assert not zhang.has_usable_password()
    li = User.objects.get(username="li4")
    assert li.role == "unit_manager" and li.is_staff


def test_people_errors_are_all_reported_and_nothing_written(city):
    report = run_people(
        PEOPLE_HEADER
        + "a1,甲,NOPE,学员,,\n"
        + "a2,乙,YK-GS-01,厨师,,\n"
        + "a3,丙,YK-GS-01,系统管理员,,\n"
        + "a4,丁,YK-GS-01,,not-an-email,\n"
        + "a4,戊,YK-GS-01,,,abc\n"
        + "bad name,己,YK-GS-01,,,\n"
        + "a7,,YK-GS-01,,,\n"
    )
    assert messages(report) == [
        "第 2 行（unit_code）：单元编码“NOPE”不存在，请先导入单元。",
        "第 3 行（role）：未知角色“厨师”，可选：学员、单元管理员、测评管理员、内容编辑。",
        "第 4 行（role）：系统管理员只能在后台逐个授予，不能批量导入。",
        "第 5 行（email）：邮箱格式不正确：“not-an-email”",
        "第 6 行（username）：用户名“a4”与第 5 行重复。",
        "第 6 行（phone）：手机号格式不正确：“abc”",
        "第 7 行（username）：请输入合法的用户名。只能包含英文字母、数字、特殊字符“@”、“.”、“-”和“_”。",
        "第 8 行（name）：姓名不能为空。",
    ]
    assert User.objects.count() == 0


def test_existing_people_are_updated_but_keep_their_password(city, admin_user):
    run_people(PEOPLE_HEADER + "zhang3,张三,YK-GS-01,,,\n")
    zhang = User.objects.get(username="zhang3")
    zhang.set_password("chosen-by-zhang-2026")
    zhang.save()
    report = run_people(PEOPLE_HEADER + "zhang3,张三丰,YK-GS-02,editor,,\n")
    assert (report.updated, report.created) == (1, 0)
    zhang.refresh_from_db()
    assert zhang.full_name == "张三丰" and zhang.unit.code == "YK-GS-02"
    assert zhang.role == "editor" and zhang.check_password("chosen-by-zhang-2026")


def test_administrators_cannot_be_changed_by_import(city, admin_user):
    report = run_people(PEOPLE_HEADER + "root,改名,YK-GS-01,,,\n")
    assert messages(report) == [
        "第 2 行（username）：不能通过导入修改系统管理员“root”。"
    ]


def test_gbk_people_file(city):
    report = run_people(
        "用户名,姓名,单元编码,角色,邮箱,手机\nwang5,王五,YK-GS-01,学员,,\n",
        encoding="gbk",
    )
    assert report.applied
    assert User.objects.get(username="wang5").full_name == "王五"


# --- commands --------------------------------------------------------------------


def test_import_units_command_exits_non_zero_and_writes_nothing_on_a_bad_row(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "YK,永康市,其他,,0\nA,甲,银行,YK,1\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_units", str(path), stderr=err)
    assert "第 3 行（kind）" in err.getvalue()
    assert Unit.objects.count() == 0


def test_import_units_command_dry_run_then_real(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "YK,永康市,其他,,0\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_units", str(path), "--dry-run", stdout=out)
    assert "检查通过（未写入）：新增 1" in out.getvalue()
    assert Unit.objects.count() == 0
    call_command("import_units", str(path), stdout=out)
    assert Unit.objects.filter(code="YK").exists()


def test_import_people_command(tmp_path, city):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE_HEADER + "p1,某人,NOPE,,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_people", str(path), stderr=io.StringIO())
    assert not User.objects.filter(username="p1").exists()
    path.write_text(PEOPLE_HEADER + "p1,某人,YK-GS-01,,,\n", encoding="utf-8")
    call_command("import_people", str(path), stdout=io.StringIO())
    assert User.objects.filter(username="p1").exists()


def test_a_row_with_several_problems_reports_each_of_them():
    report = run_units(HEADER + "B,乙,村居,NOPE,x\n")
    assert messages(report) == [
        "第 2 行（headcount）：人数必须是整数：“x”",
        "第 2 行（parent_code）：上级编码“NOPE”既不在文件中，也不是已有单元。",
    ]
