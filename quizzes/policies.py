"""Wagtail permission policies that ask units.permissions about the question bank."""

from __future__ import annotations

from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy

from units.models import Role, User
from units.permissions import can_edit_content


class QuestionPermissionPolicy(BasePermissionPolicy):
    """Editors and administrators keep the bank; nobody else sees it in the admin."""

    def user_has_permission(self, user, action):
        return can_edit_content(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return can_edit_content(user)

    def instances_user_has_permission_for(self, user, action):
        objects = self.model._default_manager.all()
        return objects if can_edit_content(user) else objects.none()

    def users_with_any_permission(self, actions):
        return User.objects.filter(is_active=True).filter(
            Q(is_superuser=True) | Q(role__in=[Role.EDITOR, Role.ADMINISTRATOR])
        )
