from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0002_expire_duplicate_open_attempts")]

    operations = [
        migrations.AddConstraint(
            model_name="attempt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "in_progress")),
                fields=("quiz", "user"),
                name="attempt_one_open",
            ),
        ),
    ]
