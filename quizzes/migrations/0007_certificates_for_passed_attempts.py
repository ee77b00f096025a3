"""Give every certificate handed out before certificates had codes its code.

Those certificates were PNGs showing 证书编号 = the first 12 hex digits of the attempt's
id, upper case. Hex digits are all valid in the certificate alphabet (Crockford's base32),
so that number becomes the code: a certificate already printed or shared can be checked
with the number it shows. Should two attempts share those digits, the later one gets a
fresh random code. The holder's name and the issuer are taken as the PNG showed them.
"""

import secrets

from django.conf import settings
from django.db import migrations
from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_ISSUER = "清廉学堂"


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


def _name(user) -> str:
    # What User.get_full_name() returned (historical models have no methods).
    return (
        user.full_name or f"{user.first_name} {user.last_name}".strip() or user.username
    )


def issue_codes(apps, schema_editor):
    Attempt = apps.get_model("quizzes", "Attempt")
    Certificate = apps.get_model("quizzes", "Certificate")
    issuer = getattr(settings, "CERTIFICATE_ISSUER", "") or DEFAULT_ISSUER
    taken = set(Certificate.objects.values_list("code", flat=True))
    passed = (
        Attempt.objects.filter(state="submitted", passed=True, certificate__isnull=True)
        .select_related("user")
        .order_by("submitted_at", "id")
    )
    batch = []
    for attempt in passed.iterator(chunk_size=2000):
        code = attempt.id.hex[:12].upper()
        while code in taken:
            code = _random_code()
        taken.add(code)
        batch.append(
            Certificate(
                attempt=attempt,
                code=code,
                holder_name=_name(attempt.user)[:150],
                issuer=issuer,
                issued_at=attempt.submitted_at or timezone.now(),
            )
        )
        if len(batch) >= 2000:
            Certificate.objects.bulk_create(batch)
            batch = []
    Certificate.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0006_certificate")]

    operations = [
        # Unapplying drops the table in 0006 anyway.
        migrations.RunPython(issue_codes, migrations.RunPython.noop),
    ]
