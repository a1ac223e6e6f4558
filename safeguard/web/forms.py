"""Django forms rendered in GOV.UK Frontend markup: labels, hints, error messages and classes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone

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
            limit = getattr(field, "max_length", None)
            if limit:
                label = field.label or "This"
                field.error_messages["max_length"] = f"{label} must be {limit:,} characters or fewer"
            if isinstance(field.widget, forms.MultiWidget):
                continue  # composite widgets (the date input) style their own parts
            css = govuk_class(field.widget)
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            field = self.fields.get(name)
            if field is None or isinstance(field.widget, forms.MultiWidget):
                continue
            css = govuk_class(field.widget)
            if css in {"govuk-input", "govuk-textarea", "govuk-select", "govuk-file-upload"}:
                field.widget.attrs["class"] += f" {css}--error"


class GovukForm(GovukFormMixin, forms.Form):
    """Base for every plain form."""


class GovukModelForm(GovukFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """Base for every model form."""


def errors_to_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """Place a service's ValidationError on the form: keyed errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes (a pattern that works without JavaScript)."""

    template_name = "govuk/widgets/date.html"
    parts = ("Day", "Month", "Year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2", "inputmode": "numeric"}
            ),
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2", "inputmode": "numeric"}
            ),
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-4", "inputmode": "numeric"}
            ),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for sub, label in zip(context["widget"]["subwidgets"], self.parts, strict=True):
            sub["label"] = label
        return context


class GovukDateField(forms.MultiValueField):
    """A date from day, month and year boxes, with the GOV.UK error messages for each way it goes wrong."""

    widget = GovukDateInput

    def __init__(self, *, past_only: bool = True, **kwargs: Any) -> None:
        self.past_only = past_only
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> date | None:  # type: ignore[override]
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        label = self.label or "Date"
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {label.lower()}")
            return None
        for part, name in zip(parts, ("day", "month", "year"), strict=True):
            if not part:
                raise ValidationError(f"{label} must include a {name}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValidationError(f"{label} must be a real date, with a 4-digit year")
        try:
            result = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError as exc:
            raise ValidationError(f"{label} must be a real date") from exc
        if result.year < 1900:
            raise ValidationError(f"{label} must be after 1900")
        if self.past_only and result > timezone.localdate():
            raise ValidationError(f"{label} must be today or in the past")
        return result

    def compress(self, data_list: list[Any]) -> Any:
        return data_list
