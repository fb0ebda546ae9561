"""Form widgets shared by the apps."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _echappe(valeur):
    """``conditional_escape`` without its per-call overhead (thousands of options per page)."""
    return valeur.__html__() if hasattr(valeur, "__html__") else html.escape(str(valeur))


class SelectRapide(forms.Select):
    """A select rendered in Python rather than one template per option: the ROME and commune lists
    are long, and per-option templates were most of the offers queue screen's time.

    The options are written straight from ``choices``, without an option dictionary each: a
    region's list of référents has over a thousand entries. Grouped choices go through Django's
    options, listed without their group.
    """

    def render(self, name, value, attrs=None, renderer=None):
        # iter() first: list() would ask the length, a COUNT query for a model choice field.
        choices = list(iter(self.choices))
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            widget = self.get_context(name, value, attrs)["widget"]
            options = (
                (option["value"], option["selected"], option["label"])
                for _, groupe, _ in widget["optgroups"]
                for option in groupe
            )
            return self._select(widget["name"], widget["attrs"], options)
        choisies = set(self.format_value(value))
        options = ((valeur, str("" if valeur is None else valeur) in choisies, label) for valeur, label in choices)
        return self._select(name, self.build_attrs(self.attrs, attrs), options)

    @staticmethod
    def options_html(options):
        """``(value, selected, label)`` triples as ``<option>`` elements."""
        return "".join(
            f'<option value="{_echappe("" if valeur is None else valeur)}"{" selected" if selectionnee else ""}>'
            f"{_echappe(label)}</option>"
            for valeur, selectionnee, label in options
        )

    @classmethod
    def _select(cls, name, attrs, options):
        return select_html(name, attrs, cls.options_html(options))


def select_html(name, attrs, options_html):
    return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe(options_html))


class SelectPreRendu(forms.Select):
    """A select whose options come as HTML rendered beforehand, none selected (``options``: a
    callable, typically read from a cache), the chosen ones marked at rendering. For a region's
    list of référents, rendering 1 400 options at each page was the part of the page's time that
    grew with the region."""

    def __init__(self, attrs=None, options=None):
        super().__init__(attrs)
        self.options = options

    def render(self, name, value, attrs=None, renderer=None):
        html_options = self.options()
        for valeur in self.format_value(value):
            option = f'<option value="{_echappe(valeur)}">'
            html_options = html_options.replace(option, option[:-1] + " selected>", 1)
        return select_html(name, self.build_attrs(self.attrs, attrs), html_options)
