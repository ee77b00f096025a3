from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look up `key` in a dict from a template (preview rows are dicts)."""
    return mapping.get(key, "")
