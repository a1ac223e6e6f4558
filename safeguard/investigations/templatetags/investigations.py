"""Template questions other apps' pages ask about investigations, so that those apps need not import
this one (the concern page asks whether its viewer may open an investigation from it)."""

from typing import Any

from django import template

from safeguard.accounts.models import User
from safeguard.concerns.models import Concern
from safeguard.investigations import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open_investigation(context: dict[str, Any], concern: Concern) -> bool:
    user = context.get("user")
    return isinstance(user, User) and selectors.may_open_from(user, concern)
