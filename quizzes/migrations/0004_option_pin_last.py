from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0003_one_open_attempt"),
    ]

    operations = [
        migrations.AddField(
            model_name="option",
            name="pin_last",
            field=models.BooleanField(
                default=False,
                help_text="打乱选项顺序时此项仍排在最后，如“以上都对”。",
                verbose_name="固定在最后",
            ),
        ),
    ]
