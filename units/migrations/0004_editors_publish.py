"""Editors publish. Wagtail's initial data gives its Editors group add and change on the
page tree but keeps publishing for Moderators; on this platform the editor role
(units.permissions: Role.EDITOR → "Editors") is the one that publishes lessons, stories
and quizzes, so a fresh install must let them. Adds publish, lock and unlock on the root
page for Editors; never removes anything an administrator set."""

from django.db import migrations

CODENAMES = ("publish_page", "lock_page", "unlock_page")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    editors, _ = Group.objects.get_or_create(name="Editors")
    page_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="page"
    )
    for codename in CODENAMES:
        permission, _ = Permission.objects.get_or_create(
            content_type=page_type,
            codename=codename,
            defaults={"name": f"Can {codename.replace('_page', '')} any page"},
        )
        GroupPagePermission.objects.get_or_create(
            group=editors, page=root, permission=permission
        )


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_unit_import_job"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
