"""Template filters for the forms of the pages."""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# The widgets a filter form uses; any other one goes through crispy-forms.
_SELECTS = (forms.Select,)
_SAISIES = (forms.TextInput, forms.DateInput, forms.NumberInput, forms.EmailInput)


@register.filter
def champ_filtre(champ):
    """A list's filter field as crispy-forms renders it in Bootstrap 5 (label, widget, errors, help
    text), written in Python: crispy's nested templates, once per field, were a fifth of a list
    page's time. Widgets other than selects and one-line inputs keep crispy's rendering."""
    widget = champ.field.widget
    if isinstance(widget, forms.SelectMultiple) or not isinstance(widget, _SELECTS + _SAISIES):
        return as_crispy_field(champ)
    classes = [widget.attrs.get("class", ""), type(widget).__name__.lower()]
    classes.append("form-select" if isinstance(widget, _SELECTS) else "form-control")
    if champ.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    if champ.errors:
        attrs.update({"aria-invalid": "true", "aria-describedby": f"{champ.auto_id}_error"})
    erreurs = ""
    if champ.errors:
        erreurs = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            champ.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, champ.auto_id, erreur) for n, erreur in enumerate(champ.errors, 1)),
            ),
        )
    aide = ""
    if champ.help_text:
        # Help texts are the developers' own, shown unescaped as crispy-forms does.
        aide = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', champ.auto_id, mark_safe(champ.help_text)
        )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}{}</div>',
        champ.auto_id,
        champ.id_for_label,
        champ.label,
        champ.as_widget(attrs=attrs),
        erreurs,
        aide,
    )
