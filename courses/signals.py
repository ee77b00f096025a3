"""Receivers only: each hands over to a service.

A story is approved in Wagtail's moderation workflow, which publishes the page itself;
`page_published` is the one point that sees every publication (workflow approval, the
editor's Publish button, a scheduled publish).
"""

from __future__ import annotations


def story_published(sender, instance, **kwargs):
    from .services import story_photos_publish

    story_photos_publish(page=instance)
