"""Wagtail's users app with this project's user screens (see viewsets.WagtailUserViewSet).

Wagtail picks its user admin from this app config's `user_viewset`; settings list this
config in place of "wagtail.users".
"""

from wagtail.users.apps import WagtailUsersAppConfig


class WagtailUsersConfig(WagtailUsersAppConfig):
    user_viewset = "units.viewsets.WagtailUserViewSet"
