import csv
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from units.models import Unit, User
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
        handle = (
            open(output, "w", newline="", encoding="utf-8-sig")
            if output
            else sys.stdout
        )
        try:
            writer = csv.writer(handle)
            writer.writerow(["username", "name", "unit_code", "code", "expires"])
            for person, code, expires in issued:
                writer.writerow(
                    [
                        person.username,
                        person.full_name,
                        person.unit.code if person.unit else "",
                        code,
                        timezone.localtime(expires).strftime("%Y-%m-%d"),
                    ]
                )
        finally:
            if output:
                handle.close()
        self.stderr.write(
            f"已签发 {len(issued)} 个激活码 / issued {len(issued)} code(s)"
        )
