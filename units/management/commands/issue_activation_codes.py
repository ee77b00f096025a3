from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tabular.exporting import rows_to_csv
from units.models import Unit, User
from units.resources import ACTIVATION_SHEET_HEADERS, activation_sheet_rows
from units.selectors import people_not_activated
from units.services import activation_codes_issue


class Command(BaseCommand):
    help = (
        "为尚未激活的人员签发一次性激活码并输出 CSV（username,name,unit_code,code,expires）。"
        "激活码只显示这一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit", required=True, help="unit code: the subtree to cover"
        )
        parser.add_argument(
            "-o", "--output", help="CSV file to write (default: stdout)"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="also re-issue to people who already activated",
        )

    def handle(self, *args, unit, output, all, **options):
        root = Unit.objects.filter(code=unit).first()
        if root is None:
            raise CommandError(f"单元不存在 / no such unit: {unit}")
        people = User.objects.filter(unit__path__startswith=root.path, is_active=True)
        if not all:
            people = people_not_activated(queryset=people)
        issued = activation_codes_issue(people=people.select_related("unit"))
        data = rows_to_csv(ACTIVATION_SHEET_HEADERS, activation_sheet_rows(issued))
        if output:
            Path(output).write_bytes(data)
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
        self.stderr.write(
            f"已签发 {len(issued)} 个激活码 / issued {len(issued)} code(s)"
        )
