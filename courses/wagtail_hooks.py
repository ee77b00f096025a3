"""Registration only: the learning sections on the home page and on 我的."""

from wagtail import hooks

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
