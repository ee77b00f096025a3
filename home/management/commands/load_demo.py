"""Load the demo content, idempotently: each app's `demo.load()` in INSTALLED_APPS order
(units and people first, then the home page, then learning, practice and surveys)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示数据（单元、人员、首页及各应用的演示内容）；可重复运行。"

    def handle(self, *args, **options):
        for app_label in settings.LOCAL_APPS:
            module_name = f"{apps.get_app_config(app_label).name}.demo"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            with transaction.atomic():
                module.load(stdout=self.stdout)
        call_command("update_index", verbosity=0)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo content ready"))
