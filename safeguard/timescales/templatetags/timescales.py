from django import template

from safeguard.parameters import Parameter

register = template.Library()


@register.filter
def show(parameter: Parameter, number: int) -> str:
    """A local value in its unit: '4 hours', '08:30', '75%'."""
    return parameter.show(number)
