from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the site: backup and restore of the database and the media files.

    An app of its own because a backup is of every app's data at once and belongs to
    none of them; it has no models, views or migrations, only commands for the operator
    (docs/backup.md)."""

    name = "ops"
    verbose_name = "运维 Operations"
