"""Django forms rendered in GOV.UK Frontend markup: labels, hints, error messages and classes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

WIDGET_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.FileInput: "govuk-file-upload",
}


class GovukFormRenderer(TemplatesSetting):
    """Looks up form templates through TEMPLATES, so safeguard/templates overrides Django's widgets."""

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"


def govuk_class(widget: forms.Widget) -> str:
    for widget_type in type(widget).__mro__:
        if widget_type in WIDGET_CLASSES:
            return WIDGET_CLASSES[widget_type]  # type: ignore[index]
    return "govuk-input"


class GovukFormMixin:
    """GOV.UK classes on every widget, and the error modifier on fields that failed validation."""

    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():
            css = govuk_class(field.widget)
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            field = self.fields.get(name)
            if field is None:
                continue
            css = govuk_class(field.widget)
            if css in {"govuk-input", "govuk-textarea", "govuk-select", "govuk-file-upload"}:
                field.widget.attrs["class"] += f" {css}--error"


class GovukForm(GovukFormMixin, forms.Form):
    """Base for every plain form."""


class GovukModelForm(GovukFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """Base for every model form."""
