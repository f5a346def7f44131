"""The form of the full-text search page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cqs.documents.models import DocumentType, Urgency
from cqs.documents.registers.forms import YEAR_ERRORS
from cqs.documents.search.selectors import INCOMING, OUTGOING


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Từ khóa"), max_length=200, required=False)
    loai = forms.ChoiceField(
        label=_("Văn bản"),
        required=False,
        choices=(("", _("Đến và đi")), (INCOMING, _("Văn bản đến")), (OUTGOING, _("Văn bản đi"))),
    )
    nam = forms.IntegerField(
        label=_("Năm"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages=YEAR_ERRORS,
    )
    loai_van_ban = forms.ModelChoiceField(
        label=_("Loại văn bản"),
        required=False,
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label=_("Mọi loại"),
    )
    do_khan = forms.ChoiceField(label=_("Độ khẩn"), required=False, choices=(("", _("Mọi độ khẩn")), *Urgency.choices))
