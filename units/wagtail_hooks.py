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


@hooks.register("construct_settings_menu")
def hide_wagtail_user_admin(request, menu_items):
    # People are managed under 清廉单元 → 人员, where a role keeps flags and groups in step;
    # Wagtail's own user screens would create people without a unit or role.
    menu_items[:] = [item for item in menu_items if item.name != "users"]
