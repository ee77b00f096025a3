"""{% lessonfragment "part" %} … {% endlessonfragment %}: a part of the lesson page drawn
from the cache when the page's LessonFragments (context `lesson_fragments`, made by
LessonPage.get_context) has it, rendered and stored otherwise (courses.cache)."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from ..cache import LessonFragments

register = template.Library()


class LessonFragmentNode(template.Node):
    def __init__(self, part: str, nodelist: template.NodeList):
        self.part = part
        self.nodelist = nodelist

    def render(self, context) -> str:
        fragments = context.get("lesson_fragments")
        if fragments is None:
            return self.nodelist.render(context)
        html = fragments.get(self.part)
        if html is None:
            html = self.nodelist.render(context)
            fragments.store(self.part, str(html))
        return mark_safe(html)  # noqa: S308 - our own rendered template output


@register.tag
def lessonfragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            f'{bits[0]} takes one quoted part name, e.g. {{% {bits[0]} "top" %}}'
        )
    part = bits[1][1:-1]
    if part not in LessonFragments.PARTS:
        raise template.TemplateSyntaxError(
            f"{bits[0]}: unknown part {part!r} (one of {LessonFragments.PARTS})"
        )
    nodelist = parser.parse(("endlessonfragment",))
    parser.delete_first_token()
    return LessonFragmentNode(part, nodelist)
