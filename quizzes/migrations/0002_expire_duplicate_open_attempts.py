"""Before one open attempt per person and quiz becomes a constraint (0003): close the
extra open attempts that parallel starts left behind.

The newest open attempt stays open, because it is the one the quiz page resumed (attempts
are listed newest first), so it is the one the learner has in front of them. An open
attempt holds no answers yet (answers are written on submission), so closing an older
one loses nothing; it is closed as expired with score 0, like a timed-out attempt, and
keeps counting towards the quiz's attempt limit as before.
"""

from django.db import migrations
from django.db.models import Count

IN_PROGRESS = "in_progress"
EXPIRED = "expired"


def expire_duplicate_open_attempts(apps, schema_editor):
    Attempt = apps.get_model("quizzes", "Attempt")
    open_attempts = Attempt.objects.filter(state=IN_PROGRESS)
    duplicated = (
        open_attempts.values("quiz_id", "user_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for group in duplicated:
        newest_first = open_attempts.filter(
            quiz_id=group["quiz_id"], user_id=group["user_id"]
        ).order_by("-started_at", "-number")
        extra = list(newest_first.values_list("id", flat=True)[1:])
        Attempt.objects.filter(id__in=extra).update(state=EXPIRED, score=0)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0001_initial")]

    operations = [
        # Unapplying cannot tell which attempts were closed here; they stay closed.
        migrations.RunPython(expire_duplicate_open_attempts, migrations.RunPython.noop),
    ]
