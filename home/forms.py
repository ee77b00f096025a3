"""The Wagtail admin's sign-in form with a translatable password label.

Wagtail's LoginForm declares its password field without a label, so Django derives one
from the field name ("Password"), which no catalogue can translate.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class AdminLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("密码")
