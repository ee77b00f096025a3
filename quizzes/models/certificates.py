"""Certificates of passed attempts, each with a code anyone can check.

What a certificate states is copied when it is issued (the holder's name, the issuing
body), so renaming a person or changing the issuer later does not rewrite a certificate
already printed or shared. The quiz, date and score come from the attempt, which does not
change once submitted.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12


class Certificate(models.Model):
    """The certificate of one passed attempt. `code` is what the verification page looks
    up: 12 characters of Crockford's base32 (no I, L, O or U, so it can be read out and
    typed from paper), shown as three groups of four."""

    attempt = models.OneToOneField(
        "quizzes.Attempt",
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("作答记录"),
    )
    code = models.CharField(_("验证码"), max_length=CODE_LENGTH, unique=True)
    holder_name = models.CharField(_("持证人"), max_length=150)
    issuer = models.CharField(_("颁发机构"), max_length=100)
    issued_at = models.DateTimeField(_("颁发时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结业证书")
        verbose_name_plural = _("结业证书")

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))
