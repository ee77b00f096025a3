"""The default unit kinds, so that `migrate` alone leaves a system that can import units.

The list is frozen here rather than imported from units.services: a migration must keep
doing what it did when it was written, whatever the code says later.
"""

from django.db import migrations

DEFAULT_KINDS = ["机关", "企业", "学校", "医院", "村居", "家庭", "中介", "其他"]


def add_default_kinds(apps, schema_editor):
    UnitKind = apps.get_model("units", "UnitKind")
    # get_or_create by name: a database whose kinds were entered by hand (or by an earlier
    # load_demo) keeps them, their order and their ids; only missing names are added.
    for order, name in enumerate(DEFAULT_KINDS):
        UnitKind.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]

    operations = [
        # Unapplying keeps the kinds: units refer to them (PROTECT), and they may be in use.
        migrations.RunPython(add_default_kinds, migrations.RunPython.noop),
    ]
