"""Registration only: the admin dashboard's panels for each role, and the editors'
note on demo pages."""

from django.contrib import messages
from wagtail import hooks

from courses.demo import EDITOR_NOTE

from .panels import (
    AwaitingReviewPanel,
    DemoContentPanel,
    OpenCampaignsPanel,
    WeakestUnitsPanel,
)
from .selectors import is_demo_page


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    panels.extend(
        panel(request)
        for panel in (
            OpenCampaignsPanel,
            WeakestUnitsPanel,
            AwaitingReviewPanel,
            DemoContentPanel,
        )
    )


@hooks.register("before_edit_page")
def note_on_demo_page(request, page):
    if request.method == "GET" and is_demo_page(page=page):
        messages.info(request, EDITOR_NOTE)
