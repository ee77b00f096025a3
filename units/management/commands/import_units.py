from tabular.commands import ImportCommand
from units.imports import UnitImporter


class Command(ImportCommand):
    help = "导入清廉单元（列：code, name, kind, parent_code, headcount），全部成功或全部不写入。"
    importer_class = UnitImporter
    noun = "单元"
