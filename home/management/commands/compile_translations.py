"""Compile the project's .po files (LOCALE_PATHS and each local app's locale/) to .mo with
polib (pure Python), so set-up needs no GNU gettext on the machine."""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def _locale_dirs() -> list[Path]:
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    for label in settings.LOCAL_APPS:
        dirs.append(Path(apps.get_app_config(label).path) / "locale")
    return [d for d in dirs if d.is_dir()]


class Command(BaseCommand):
    help = "编译翻译文件（.po → .mo），不依赖 gettext。"

    def handle(self, *args, **options):
        count = 0
        for base in _locale_dirs():
            for po_path in base.rglob("*.po"):
                po = polib.pofile(str(po_path))
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"compiled {count} translation file(s)")
