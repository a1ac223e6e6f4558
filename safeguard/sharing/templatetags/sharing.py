"""Template questions other apps' pages ask about sharing, so that those apps need not import this one
(the concern page asks whether to offer its viewer the concern's sharing page)."""

from typing import Any

from django import template

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.concerns.models import Concern
from safeguard.sharing import services
from safeguard.sharing.models import Share

register = template.Library()


@register.simple_tag(takes_context=True)
def sharing_offered(context: dict[str, Any], concern: Concern) -> bool:
    """Whoever may share from the concern, or can see something already shared or decided from it."""
    user = context.get("user")
    if not isinstance(user, User):
        return False
    return bool(services.kinds_for(user, concern)) or (
        policy.visible_to(user, Share.objects.filter(concern=concern)).exists()
    )
