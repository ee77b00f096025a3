"""Survey.revision: the key under which the respondent's pages keep a survey's questions
in memory (surveys.questionnaire). Set on every change by signals."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_scorecard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="revision",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
    ]
