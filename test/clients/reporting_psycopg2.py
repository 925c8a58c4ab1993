#!/usr/bin/python3
"""test/clients/reporting_psycopg2.py: the reporting views as a BI tool reads
them through psycopg2 (Debian python3-psycopg2), logged in as a reporting role.

Checks the column names and the Python types psycopg2 gives each column, that
no column has an extension type, the values of the scenario in
test/clients/scenario.sql, that the role is refused the tables with message
bodies and contact points (SQLSTATE 42501), and omnichannel.customer_360 as
jsonb when the function exists.

Connection from the environment (run by t/030_bi_clients.pl):
  OC_BI_HOST, OC_BI_PORT, OC_BI_DBNAME, OC_BI_USER, OC_BI_PASSWORD (optional)
  OC_BI_COLUMNS  columns.tsv (default: next to this file)
  OC_360_USER, OC_360_PASSWORD  an application login that may read
                 customer_360 (its part is skipped without it)

Prints TAP lines ("ok N - name", "not ok N - name # got X expected Y") and a
final "1..N"; exits 1 on any failure, 2 if it cannot run at all.
"""

import datetime
import decimal
import json
import os
import sys

try:
    import psycopg2
    import psycopg2.errorcodes
    import psycopg2.extensions
except ImportError as e:  # the TAP test turns this into a failure
    print("not ok 1 - import psycopg2 # %s (install python3-psycopg2)" % e)
    print("1..1")
    sys.exit(2)

UTC = datetime.timezone.utc

# SQL type (format_type) -> (type OID, Python type psycopg2 returns)
TYPES = {
    "bigint": (20, int),
    "integer": (23, int),
    "text": (25, str),
    "boolean": (16, bool),
    "date": (1082, datetime.date),
    "double precision": (701, float),
    "numeric": (1700, decimal.Decimal),
    "timestamp with time zone": (1184, datetime.datetime),
}
# a text form of each type, to run psycopg2's own caster on
SAMPLES = {20: "1", 23: "1", 25: "x", 16: "t", 1082: "2024-03-04", 701: "1.5",
           1700: "1.50", 1184: "2024-03-04 09:00:00+00"}

count = 0
failed = 0


def check(ok, name, got=None, expected=None):
    """One TAP line; with got/expected, shown on failure."""
    global count, failed
    count += 1
    name = name.replace("#", "\\#")
    if ok:
        print("ok %d - %s" % (count, name))
    else:
        failed += 1
        if got is not None or expected is not None:
            print("not ok %d - %s # got %r expected %r" % (count, name, got, expected))
        else:
            print("not ok %d - %s" % (count, name))
    sys.stdout.flush()
    return ok


def is_(got, expected, name):
    """got == expected, and of the same Python type (1 is not 1.0 nor True)."""
    ok = got == expected and type(got) is type(expected)
    return check(ok, name, got, expected)


def read_columns(path):
    """{view: [(column, sqltype), ...]} from columns.tsv."""
    views = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            view, column, sqltype = line.split("\t")
            views.setdefault(view, []).append((column, sqltype))
    return views


def fetch(cur, sql, params=None):
    """Rows as dicts keyed by column name."""
    cur.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def check_row(row, expected, label):
    """One check per expected column of one row."""
    for col, value in expected.items():
        is_(row.get(col), value, "%s %s" % (label, col))


def check_refused(conn, sql):
    """sql fails with insufficient_privilege (42501)."""
    cur = conn.cursor()
    try:
        cur.execute(sql)
        cur.fetchall()
        check(False, "refused: %s" % sql, "rows", "SQLSTATE 42501")
    except psycopg2.Error as e:
        check(e.pgcode == psycopg2.errorcodes.INSUFFICIENT_PRIVILEGE,
              "refused: %s (SQLSTATE %s)" % (sql, e.pgcode), e.pgcode, "42501")
    finally:
        conn.rollback()


def main():
    columns_path = os.environ.get("OC_BI_COLUMNS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "columns.tsv")
    views = read_columns(columns_path)
    params = dict(host=os.environ["OC_BI_HOST"], port=os.environ["OC_BI_PORT"],
                  dbname=os.environ["OC_BI_DBNAME"], user=os.environ["OC_BI_USER"],
                  application_name="omnichannel psycopg2 test")
    if os.environ.get("OC_BI_PASSWORD"):
        params["password"] = os.environ["OC_BI_PASSWORD"]
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.Error as e:
        check(False, "connect as %s: %s" % (params["user"], str(e).strip()))
        print("1..%d" % count)
        return 1
    check(True, "psycopg2 %s connects as %s to %s:%s" % (
        psycopg2.__version__.split()[0], params["user"], params["host"], params["port"]))
    # a BI tool's session: the server's default time zone is not ours to rely on
    cur = conn.cursor()
    cur.execute("SET timezone = 'UTC'")
    cur.execute("SELECT current_user::text, session_user::text")
    is_(cur.fetchone(), (params["user"], params["user"]), "current_user is the reporting role")

    # -- columns and driver-level types ---------------------------------------
    for view, cols in views.items():
        cur.execute("SELECT * FROM omnichannel.%s LIMIT 0" % view)
        desc = cur.description
        is_([d.name for d in desc], [c for c, _ in cols], "%s: column names" % view)
        by_name = {d.name: d for d in desc}
        # built in, no extension type (those have OIDs >= 16384)
        is_(["%s %s" % (d.name, d.type_code) for d in desc if d.type_code >= 16384], [],
            "%s: no column of an extension type" % view)
        for col, sqltype in cols:
            oid, pytype = TYPES[sqltype]
            d = by_name.get(col)
            got_oid = d.type_code if d else None
            check(got_oid == oid, "%s.%s: type OID %s (%s)" % (view, col, oid, sqltype),
                  got_oid, oid)
            # what psycopg2's caster for that OID makes of a value
            caster = psycopg2.extensions.string_types.get(got_oid)
            value = caster(SAMPLES[oid], cur) if caster else SAMPLES[oid]
            check(type(value) is pytype, "%s.%s: psycopg2 returns %s" % (
                view, col, pytype.__name__), type(value).__name__, pytype.__name__)
            if pytype is datetime.datetime:
                check(value.tzinfo is not None, "%s.%s: datetime with tzinfo" % (view, col),
                      value.tzinfo, "a tzinfo")

    # The catalog as the role sees it: only the reporting views' columns, no
    # USER-DEFINED type among them.
    cur.execute("""SELECT DISTINCT table_name::text FROM information_schema.columns
                    WHERE table_schema = 'omnichannel' ORDER BY 1""")
    is_([r[0] for r in cur.fetchall()], sorted(views),
        "information_schema.columns shows the role only the reporting views")
    cur.execute("""SELECT table_name || '.' || column_name || ' ' || data_type
                     FROM information_schema.columns
                    WHERE table_schema = 'omnichannel'
                      AND (data_type = 'USER-DEFINED' OR data_type = 'ARRAY')""")
    is_([r[0] for r in cur.fetchall()], [], "no USER-DEFINED or ARRAY column")

    # -- values ---------------------------------------------------------------
    kpis = fetch(cur, "SELECT * FROM omnichannel.channel_kpis ORDER BY day, channel")
    is_(len(kpis), 5, "channel_kpis: 5 rows (3 channels on 03-04, sms on 03-05 and 03-06)")
    by_key = {(r["day"], r["channel"]): r for r in kpis}
    d4, d5, d6 = datetime.date(2024, 3, 4), datetime.date(2024, 3, 5), datetime.date(2024, 3, 6)
    expected_kpis = {
        (d4, "email"): dict(inbound=1, outbound=1, internal=0, threads_opened=1,
                            first_response_avg_seconds=1800.0, first_response_median_seconds=1800.0,
                            first_response_p90_seconds=1800.0, resolved=1,
                            resolution_median_seconds=3600.0, sla_clocks=0, sla_achieved=0,
                            sla_attainment_rate=None, reopen_rate=0.0,
                            first_contact_resolution_rate=1.0, channel_switch_rate=0.0,
                            repeat_contact_rate=0.0, unanswered_rate=0.0),
        (d4, "phone"): dict(inbound=1, outbound=0, internal=0, threads_opened=1,
                            first_response_avg_seconds=1500.0, first_response_median_seconds=1500.0,
                            resolved=1, resolution_median_seconds=82800.0, sla_clocks=0,
                            reopen_rate=1.0, first_contact_resolution_rate=0.0,
                            channel_switch_rate=1.0, repeat_contact_rate=1.0, unanswered_rate=0.0),
        (d4, "chat"): dict(inbound=1, outbound=1, internal=1, threads_opened=0,
                           first_response_avg_seconds=None, resolved=0, reopen_rate=None,
                           channel_switch_rate=None, unanswered_rate=None),
        (d5, "sms"): dict(inbound=3, outbound=0, internal=0, threads_opened=1,
                          first_response_median_seconds=None, resolved=0, sla_clocks=1,
                          sla_achieved=0, sla_attainment_rate=0.0, reopen_rate=None,
                          first_contact_resolution_rate=None, channel_switch_rate=0.0,
                          repeat_contact_rate=1.0, unanswered_rate=1.0),
        # Celina's 24-hour resolution clock, breached on its due day
        (d6, "sms"): dict(inbound=0, threads_opened=0, sla_clocks=1, sla_achieved=0,
                          sla_attainment_rate=0.0),
    }
    for key, expected in expected_kpis.items():
        row = by_key.get(key)
        label = "channel_kpis %s %s:" % (key[0].isoformat(), key[1])
        if check(row is not None, "%s row present" % label):
            check_row(row, expected, label)

    facts = fetch(cur, "SELECT * FROM omnichannel.thread_facts ORDER BY opened_at")
    is_(len(facts), 3, "thread_facts: 3 threads")

    def ts(day, hour):
        return datetime.datetime(2024, 3, day, hour, 0, tzinfo=UTC)
    expected_facts = [
        ("Anna", dict(status="solved", priority="normal", first_channel="email", channels="email",
                      channel_count=1, interactions=2, inbound=1, outbound=1, internal=0,
                      channel_switches=0, opened_at=ts(4, 9), opened_day=d4,
                      first_response_seconds=1800.0, first_response_sla=None,
                      resolved_at=ts(4, 10), resolution_seconds=3600.0, reopen_count=0,
                      reopened=False, first_contact_resolution=True, repeat_contacts=0,
                      unanswered=False, sla_policy=None)),
        ("Bartek", dict(status="solved", first_channel="phone", channels="phone,chat,sms",
                        channel_count=3, interactions=5, inbound=3, outbound=1, internal=1,
                        channel_switches=2, opened_day=d4, first_response_seconds=1500.0,
                        first_response_sla=None, resolved_at=ts(5, 9),
                        resolution_seconds=82800.0, reopen_count=1, reopened=True,
                        first_contact_resolution=False, repeat_contacts=2, unanswered=False,
                        sla_policy="reporting sms")),
        ("Celina", dict(status="open", first_channel="sms", channels="sms", channel_count=1,
                        interactions=2, inbound=2, outbound=0, internal=0, channel_switches=0,
                        opened_at=ts(5, 12), opened_day=d5, first_response_at=None,
                        first_response_seconds=None, first_response_sla="breached",
                        resolved_at=None, resolution_seconds=None, resolution_sla="breached",
                        reopen_count=0, reopened=False, first_contact_resolution=False,
                        repeat_contacts=1, unanswered=True, sla_policy="reporting sms")),
    ]
    for i, (who, expected) in enumerate(expected_facts):
        if i < len(facts):
            check_row(facts[i], expected, "thread_facts %s:" % who)
    if facts:
        ot = facts[0]["opened_at"]
        check(isinstance(ot, datetime.datetime) and ot.utcoffset() == datetime.timedelta(0),
              "thread_facts opened_at: aware datetime at UTC offset 0 (session time zone UTC)",
              ot, "2024-03-04 09:00+00:00")

    att = fetch(cur, "SELECT * FROM omnichannel.sla_attainment ORDER BY day, channel, policy, metric")
    is_(len(att), 2, "sla_attainment: 2 rows (Celina's first response and resolution)")
    expected_att = [
        dict(day=d5, channel="sms", policy="reporting sms", metric="first_response", clocks=1,
             achieved=0, breached=1, achieved_pct=decimal.Decimal("0.00"),
             median_business_seconds=None, median_wall_seconds=None),
        dict(day=d6, channel="sms", policy="reporting sms", metric="resolution", clocks=1,
             achieved=0, breached=1, achieved_pct=decimal.Decimal("0.00")),
    ]
    for i, expected in enumerate(expected_att):
        if i < len(att):
            check_row(att[i], expected, "sla_attainment row %d:" % (i + 1))
    if att:
        is_(str(att[0]["achieved_pct"]), "0.00", "sla_attainment achieved_pct keeps its scale")

    # -- what the role is refused ---------------------------------------------
    conn.rollback()
    for sql in ("SELECT body FROM omnichannel.interaction",
                "SELECT contact FROM omnichannel.customer_identifier",
                "SELECT * FROM omnichannel.customer",
                "SELECT * FROM omnichannel.thread",
                "SELECT * FROM omnichannel.queue"):
        check_refused(conn, sql)

    # -- customer_360, when it exists -----------------------------------------
    cur = conn.cursor()
    cur.execute("""SELECT count(*) FROM pg_proc AS p
                    WHERE p.proname = 'customer_360'
                      AND p.pronamespace = 'omnichannel'::regnamespace""")
    if cur.fetchone()[0] == 0:
        print("# skip customer_360: omnichannel.customer_360(bigint) does not exist yet")
    else:
        # it shows contact points: the reporting role must not get it
        check_refused(conn, "SELECT omnichannel.customer_360(1)")
        # read by an application login (OC_360_USER), through the same driver
        if not os.environ.get("OC_360_USER"):
            print("# skip customer_360 as an application login: OC_360_USER not set")
        else:
            app = psycopg2.connect(**dict(params, user=os.environ["OC_360_USER"],
                                          password=os.environ.get("OC_360_PASSWORD") or None))
            acur = app.cursor()
            acur.execute("SELECT omnichannel.customer_360(min(id)) FROM omnichannel.customer")
            is_(acur.description[0].type_code, 3802, "customer_360: jsonb (type OID 3802)")
            doc = acur.fetchone()[0]
            check(isinstance(doc, dict), "customer_360: psycopg2 returns a dict",
                  type(doc).__name__, "dict")
            check(isinstance(doc, dict) and ("id" in doc or "customer" in doc),
                  "customer_360: has an \"id\" or \"customer\" key",
                  sorted(doc)[:10] if isinstance(doc, dict) else doc, "id or customer")
            app.close()
    conn.close()

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
