from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Nhật ký kiểm toán chỉ được ghi thêm, không được sửa hay xoá.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_and_calendar")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
