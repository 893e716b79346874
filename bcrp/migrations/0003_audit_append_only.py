"""The database itself refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION bcrp_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused on bcrp_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER bcrp_auditevent_append_only
    BEFORE UPDATE OR DELETE ON bcrp_auditevent
    FOR EACH ROW EXECUTE FUNCTION bcrp_auditevent_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS bcrp_auditevent_append_only ON bcrp_auditevent;
DROP FUNCTION IF EXISTS bcrp_auditevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("bcrp", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
