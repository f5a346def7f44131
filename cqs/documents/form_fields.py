"""Form fields the documents pages share."""

from __future__ import annotations

from typing import Any

from django import forms


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of an official, shown by full name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.username)
