import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0005_daily_practice")]

    operations = [
        migrations.CreateModel(
            name="Certificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "code",
                    models.CharField(max_length=12, unique=True, verbose_name="验证码"),
                ),
                (
                    "holder_name",
                    models.CharField(max_length=150, verbose_name="持证人"),
                ),
                ("issuer", models.CharField(max_length=100, verbose_name="颁发机构")),
                (
                    "issued_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="颁发时间"
                    ),
                ),
                (
                    "attempt",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="certificate",
                        to="quizzes.attempt",
                        verbose_name="作答记录",
                    ),
                ),
            ],
            options={"verbose_name": "结业证书", "verbose_name_plural": "结业证书"},
        ),
    ]
