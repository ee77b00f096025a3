"""Compile every .po file under LOCALE_PATHS to .mo with polib (pure Python), so set-up
needs no GNU gettext on the machine."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "编译翻译文件（.po → .mo），不依赖 gettext。"

    def handle(self, *args, **options):
        count = 0
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).rglob("*.po"):
                po = polib.pofile(str(po_path))
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"compiled {count} translation file(s)")
