"""Covering indexes for the scorecard's two reads over every response: the per-unit
totals (selectors.unit_totals) and the recognition masks (selectors.item_counts). The
first replaces the (campaign, unit) index, which is its prefix."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_burst_tallies"),
        ("units", "0004_editors_publish"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="response",
            name="surveys_res_campaig_dbe4f0_idx",
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(
                fields=[
                    "campaign",
                    "unit",
                    "completed_at",
                    "recognition_correct",
                    "satisfaction_answers",
                    "satisfaction_positive",
                    "satisfaction_points",
                ],
                name="response_unit_scores",
            ),
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(
                fields=[
                    "campaign",
                    "recognition_answered_mask",
                    "recognition_correct_mask",
                    "completed_at",
                ],
                name="response_item_masks",
            ),
        ),
    ]
