"""The `burst` flag is now counted when answers land (services._burst_check) and kept
as a NetworkTally row under "burst". Campaigns that already hold answers get their rows
from the responses' completion times, with the window query the scorecard used to run:
more than max(20, headcount / 3) online answers within 10 minutes."""

from django.db import migrations

BURST_TALLY = "burst"
BURST_MINIMUM = 20
BURST_WINDOW_SECONDS = 600


def burst_tallies(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        within = (
            "julianday(s.later) - julianday(s.completed_at)"
            f" < {BURST_WINDOW_SECONDS}.0 / 86400"
        )
    else:
        within = f"s.later < s.completed_at + INTERVAL '{BURST_WINDOW_SECONDS} seconds'"
    # LEAD by the unit's limit: some answer is followed, that many places later, by
    # one less than 10 minutes after it. Paper questionnaires are left out.
    sql = (
        "INSERT INTO surveys_networktally (campaign_unit_id, address_hash, count)"  # noqa: S608 - constants only, values are parameters
        " SELECT DISTINCT s.member_id, %s, 1 FROM (SELECT m.id AS member_id,"
        " r.completed_at, LEAD(r.completed_at, CASE WHEN m.headcount / 3 >"
        f" {BURST_MINIMUM} THEN m.headcount / 3 ELSE {BURST_MINIMUM} END)"
        " OVER (PARTITION BY r.campaign_id, r.unit_id"
        " ORDER BY r.completed_at, r.id) AS later"
        " FROM surveys_response r JOIN surveys_campaignunit m"
        " ON m.campaign_id = r.campaign_id AND m.unit_id = r.unit_id"
        " WHERE r.completed_at IS NOT NULL AND r.source = 'web'"
        f") s WHERE {within} AND NOT EXISTS (SELECT 1 FROM surveys_networktally t"
        " WHERE t.campaign_unit_id = s.member_id AND t.address_hash = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [BURST_TALLY, BURST_TALLY])


def forget_burst_tallies(apps, schema_editor):
    apps.get_model("surveys", "NetworkTally").objects.filter(
        address_hash=BURST_TALLY
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_shuffle_options")]

    operations = [migrations.RunPython(burst_tallies, forget_burst_tallies)]
