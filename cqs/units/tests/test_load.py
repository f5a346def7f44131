import pytest
from django.core.management import call_command

from cqs.core.models import AuditEvent
from cqs.units.models import AdministrativeUnit, UnitCodeAlias
from cqs.units.services import unit_rename, units_load_from_package

Level = AdministrativeUnit.Level


@pytest.mark.django_db
def test_load_gives_34_provinces_and_3321_communes_and_a_second_run_creates_nothing(capsys):
    assert units_load_from_package() == (34, 3321)
    assert AdministrativeUnit.objects.filter(level=Level.PROVINCE).count() == 34
    assert AdministrativeUnit.objects.filter(level=Level.COMMUNE).count() == 3321
    assert not AdministrativeUnit.objects.filter(level=Level.COMMUNE, parent__isnull=True).exists()

    hanoi = AdministrativeUnit.objects.get(code="01")
    assert (hanoi.name, hanoi.division_type, hanoi.search_name) == (
        "Thành phố Hà Nội",
        "thành phố trung ương",
        "thanh pho ha noi",
    )
    hoan_kiem = AdministrativeUnit.objects.get(name="Phường Hoàn Kiếm")
    assert len(hoan_kiem.code) == 5 and hoan_kiem.parent == hanoi and hoan_kiem.division_type == "phường"
    assert {len(c) for c in AdministrativeUnit.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)} == {
        2
    }
    assert {len(c) for c in AdministrativeUnit.objects.filter(level=Level.COMMUNE).values_list("code", flat=True)} == {
        5
    }

    events = AuditEvent.objects.filter(action="unit.load")
    assert events.count() == 1
    assert events.get().after["communes_created"] == 3321

    assert units_load_from_package() == (0, 0)
    assert AuditEvent.objects.filter(action="unit.load").count() == 1  # nothing changed, nothing recorded

    call_command("load_units")
    assert "Đã tạo 0 tỉnh, thành phố và 0 xã, phường, đặc khu." in capsys.readouterr().out


@pytest.mark.django_db
def test_load_can_be_limited_to_provinces_and_never_overwrites_an_administrators_change(actor, capsys):
    call_command("load_units", "--province", "40")
    assert "Đã tạo 1 tỉnh, thành phố và 130 xã, phường, đặc khu." in capsys.readouterr().out
    commune = AdministrativeUnit.objects.get(code="17329")  # Xã Anh Sơn
    unit_rename(unit=commune, name="Xã Anh Sơn mới", actor=actor)
    # A commune re-coded by an administrator: its old code is now an alias.
    recoded = AdministrativeUnit.objects.get(code="17380")
    recoded.code = "99001"
    recoded.save()
    UnitCodeAlias.objects.create(code="17380", unit=recoded)

    assert units_load_from_package(province_codes=[40]) == (0, 0)
    assert AdministrativeUnit.objects.get(code="17329").name == "Xã Anh Sơn mới"
    assert not AdministrativeUnit.objects.filter(code="17380").exists()
    assert units_load_from_package(province_codes=[42]) == (1, 69)
