"""Registration only: the learning sections on the home page and on 我的, and the image
chooser's respect for private collections."""

from wagtail import hooks
from wagtail.api.v2.utils import get_restricted_collection_ids

from home.selectors import Section

from . import selectors


@hooks.register("home_sections")
def learning_on_home(request, page):
    context = selectors.home_section(user=request.user)
    if context is None:
        return None
    return Section(order=10, template="courses/home_section.html", context=context)


@hooks.register("me_sections")
def learning_on_me(request):
    context = selectors.me_section(user=request.user)
    return Section(order=10, template="courses/me_section.html", context=context)


@hooks.register("construct_image_chooser_queryset")
def hide_restricted_collections(images, request):
    # The chooser lists what a collection permission allows, inherited from the root;
    # photos awaiting moderation sit behind a view restriction for editors, which the
    # admin image API already honours, so the chooser honours it as well.
    return images.exclude(collection__in=get_restricted_collection_ids(request))
