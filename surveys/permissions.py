"""Wagtail permission policy for surveys, questions and campaigns: the decision itself
is units.permissions.can_manage_campaigns."""

from __future__ import annotations

from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy

from units.models import Role, User
from units.permissions import can_manage_campaigns


class CampaignManagerPolicy(BasePermissionPolicy):
    def user_has_permission(self, user, action):
        return can_manage_campaigns(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return can_manage_campaigns(user)

    def instances_user_has_permission_for(self, user, action):
        objects = self.model._default_manager.all()
        return objects if can_manage_campaigns(user) else objects.none()

    def users_with_any_permission(self, actions):
        return User.objects.filter(is_active=True).filter(
            Q(is_superuser=True)
            | Q(role__in=[Role.ADMINISTRATOR, Role.CAMPAIGN_MANAGER])
        )
