"""Registration only: admin menus, URLs and permission policies for units and people."""

from django.urls import include, path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import admin_urls
from .models import Unit, User
from .permissions import PersonPermissionPolicy, UnitPermissionPolicy
from .viewsets import UnitsViewSetGroup

register_permission_policy(Unit, UnitPermissionPolicy(Unit))
register_permission_policy(User, PersonPermissionPolicy(User))


@hooks.register("register_admin_viewset")
def register_units_viewsets():
    return UnitsViewSetGroup()


@hooks.register("register_admin_urls")
def register_units_admin_urls():
    return [path("units/", include(admin_urls, namespace="units_admin"))]
