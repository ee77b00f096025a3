from tabular.commands import ImportCommand
from units.imports import PersonImporter


class Command(ImportCommand):
    help = (
        "导入人员（列：username, name, unit_code, role, email, phone），全部成功或全部不写入。"
        "新人员没有密码，需用激活码激活（issue_activation_codes）。"
    )
    importer_class = PersonImporter
    noun = "人员"
