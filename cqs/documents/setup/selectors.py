"""Reads for the documents setup page: an agency's profile, departments and their members."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cqs.documents.models import Department, DepartmentMember, IssuingProfile
from cqs.units.models import Agency


def issuing_profile_of(agency: Agency) -> IssuingProfile | None:
    return IssuingProfile.objects.filter(agency=agency).first()


def departments_of(agency: Agency) -> QuerySet[Department]:
    """The agency's departments with their members (heads first)."""
    members = DepartmentMember.objects.select_related("user").order_by("-is_head", "user__full_name")
    return Department.objects.filter(agency=agency).prefetch_related(Prefetch("members", queryset=members))
