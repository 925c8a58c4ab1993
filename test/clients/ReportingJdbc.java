// test/clients/ReportingJdbc.java: the reporting views as a BI tool reads them
// through JDBC (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar),
// logged in as a reporting role.
//
// Checks the column names, the java.sql.Types and Java classes pgjdbc gives
// each column (ResultSetMetaData and DatabaseMetaData.getColumns, as BI tools
// read them), that no column has an extension type, the values of the scenario
// in test/clients/scenario.sql, that the role is refused the tables with
// message bodies and contact points (SQLSTATE 42501), and
// omnichannel.customer_360 as jsonb when the function exists.
//
// Connection from the environment (set by t/030_bi_clients.pl):
//   OC_BI_HOST, OC_BI_PORT, OC_BI_DBNAME, OC_BI_USER, OC_BI_PASSWORD (optional)
//   OC_BI_COLUMNS   columns.tsv (required: the class file is compiled elsewhere)
//   OC_360_USER, OC_360_PASSWORD  an application login that may read
//                   customer_360 (its part is skipped without it)
//
// Build and run (no build tool):
//   javac -d DIR test/clients/ReportingJdbc.java
//   java -cp DIR:/usr/share/java/postgresql.jar ReportingJdbc
// Prints TAP lines ("ok N - name", "not ok N - name # got X expected Y") and a
// final "1..N"; exits 1 on any failure.

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

public class ReportingJdbc {
    private static int count = 0;
    private static int failed = 0;

    /** SQL type (format_type) -> java.sql.Types pgjdbc reports, its type name, the Java class of getObject. */
    private static final Map<String, Object[]> TYPES = new HashMap<>();
    static {
        TYPES.put("bigint", new Object[] {Types.BIGINT, "int8", Long.class});
        TYPES.put("integer", new Object[] {Types.INTEGER, "int4", Integer.class});
        TYPES.put("text", new Object[] {Types.VARCHAR, "text", String.class});
        TYPES.put("boolean", new Object[] {Types.BIT, "bool", Boolean.class});
        TYPES.put("date", new Object[] {Types.DATE, "date", Date.class});
        TYPES.put("double precision", new Object[] {Types.DOUBLE, "float8", Double.class});
        TYPES.put("numeric", new Object[] {Types.NUMERIC, "numeric", BigDecimal.class});
        TYPES.put("timestamp with time zone", new Object[] {Types.TIMESTAMP, "timestamptz", Timestamp.class});
    }

    /** One TAP line; got/expected shown on failure. */
    static boolean check(boolean ok, String name, Object got, Object expected) {
        count++;
        name = name.replace("#", "\\#");
        if (ok) {
            System.out.println("ok " + count + " - " + name);
        } else {
            failed++;
            System.out.println("not ok " + count + " - " + name + " # got " + show(got) + " expected " + show(expected));
        }
        System.out.flush();
        return ok;
    }

    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return "'" + v + "'";
        return v + " (" + v.getClass().getSimpleName() + ")";
    }

    /** got equals expected, and is of the same class (1L is not 1.0 nor 1). */
    static boolean is(Object got, Object expected, String name) {
        boolean ok = Objects.equals(got, expected);
        if (got instanceof BigDecimal && expected instanceof BigDecimal) {
            ok = got.equals(expected);  // value and scale
        }
        return check(ok, name, got, expected);
    }

    static String typeName(int t) {
        for (java.lang.reflect.Field f : Types.class.getFields()) {
            try {
                if (f.getInt(null) == t) return "Types." + f.getName();
            } catch (IllegalAccessException e) {
                // not a constant
            }
        }
        return "Types(" + t + ")";
    }

    /** {view: [[column, sqltype], ...]} from columns.tsv, in file order. */
    static Map<String, List<String[]>> readColumns(String path) throws Exception {
        Map<String, List<String[]>> views = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            views.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new String[] {f[1], f[2]});
        }
        return views;
    }

    /** Rows as maps of column name -> getObject. */
    static List<Map<String, Object>> fetch(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static void checkRow(Map<String, Object> got, Map<String, Object> expected, String label) {
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            if (!got.containsKey(e.getKey())) {
                check(false, label + " " + e.getKey(), "no such column", e.getValue());
            } else {
                is(got.get(e.getKey()), e.getValue(), label + " " + e.getKey());
            }
        }
    }

    /** sql fails with insufficient_privilege (42501). */
    static void checkRefused(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.executeQuery(sql).close();
            check(false, "refused: " + sql, "rows", "SQLSTATE 42501");
        } catch (SQLException e) {
            check("42501".equals(e.getSQLState()), "refused: " + sql + " (SQLSTATE " + e.getSQLState() + ")",
                  e.getSQLState() + " " + e.getMessage(), "42501");
        }
    }

    static Timestamp ts(int day, int hour) {
        return Timestamp.from(OffsetDateTime.of(2024, 3, day, hour, 0, 0, 0, ZoneOffset.UTC).toInstant());
    }

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) throw new IllegalStateException("environment variable " + name + " not set");
        return v;
    }

    public static void main(String[] args) throws Exception {
        // java.sql.Date/Timestamp are rendered in the JVM's zone: make it UTC,
        // so that dates read as the UTC days the views compute.
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        Map<String, List<String[]>> views = readColumns(env("OC_BI_COLUMNS"));
        String url = "jdbc:postgresql://" + env("OC_BI_HOST") + ":" + env("OC_BI_PORT") + "/" + env("OC_BI_DBNAME");
        Properties props = new Properties();
        props.setProperty("user", env("OC_BI_USER"));
        String pw = System.getenv("OC_BI_PASSWORD");
        if (pw != null && !pw.isEmpty()) props.setProperty("password", pw);
        props.setProperty("ApplicationName", "omnichannel JDBC test");

        Connection c;
        try {
            c = DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            check(false, "connect as " + props.getProperty("user") + " to " + url, e.getMessage(), "a connection");
            System.out.println("1.." + count);
            System.exit(1);
            return;
        }
        DatabaseMetaData dmd = c.getMetaData();
        check(true, "pgjdbc " + dmd.getDriverVersion() + " connects as " + props.getProperty("user") + " to " + url,
              null, null);
        try (Statement st = c.createStatement()) {
            st.execute("SET timezone = 'UTC'");
        }
        List<Map<String, Object>> who = fetch(c, "SELECT current_user::text AS u, session_user::text AS s");
        is(who.get(0).get("u") + "/" + who.get(0).get("s"), props.getProperty("user") + "/" + props.getProperty("user"),
           "current_user is the reporting role");

        // -- columns and driver-level types ----------------------------------
        for (Map.Entry<String, List<String[]>> v : views.entrySet()) {
            String view = v.getKey();
            List<String[]> cols = v.getValue();
            List<String> names = new ArrayList<>();
            List<String> wantNames = new ArrayList<>();
            for (String[] col : cols) wantNames.add(col[0]);
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT * FROM omnichannel." + view + " LIMIT 0")) {
                ResultSetMetaData md = rs.getMetaData();
                Map<String, Integer> index = new HashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    names.add(md.getColumnName(i));
                    index.put(md.getColumnName(i), i);
                }
                is(names.toString(), wantNames.toString(), view + ": column names");
                List<String> odd = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    int t = md.getColumnType(i);
                    if (t == Types.OTHER || t == Types.STRUCT || t == Types.DISTINCT || t == Types.JAVA_OBJECT
                        || t == Types.ARRAY) {
                        odd.add(md.getColumnName(i) + " " + md.getColumnTypeName(i));
                    }
                }
                is(odd.toString(), "[]", view + ": no column of an extension type (Types.OTHER/STRUCT/DISTINCT)");
                for (String[] col : cols) {
                    Object[] want = TYPES.get(col[1]);
                    Integer i = index.get(col[0]);
                    if (i == null || want == null) {
                        check(false, view + "." + col[0] + ": column and known type", i, col[1]);
                        continue;
                    }
                    is(typeName(md.getColumnType(i)), typeName((Integer) want[0]),
                       view + "." + col[0] + ": " + col[1] + " is " + typeName((Integer) want[0]));
                    is(md.getColumnTypeName(i), want[1], view + "." + col[0] + ": type name " + want[1]);
                    is(md.getColumnClassName(i), ((Class<?>) want[2]).getName(),
                       view + "." + col[0] + ": getObject class " + ((Class<?>) want[2]).getSimpleName());
                }
            }
            // what a BI tool's schema browser reads
            List<String> meta = new ArrayList<>();
            List<String> wantMeta = new ArrayList<>();
            try (ResultSet rs = dmd.getColumns(null, "omnichannel", view, null)) {
                while (rs.next()) {
                    meta.add(rs.getString("COLUMN_NAME") + " " + typeName(rs.getInt("DATA_TYPE")) + " "
                             + rs.getString("TYPE_NAME"));
                }
            }
            for (String[] col : cols) {
                Object[] want = TYPES.get(col[1]);
                wantMeta.add(col[0] + " " + (want == null ? "?" : typeName((Integer) want[0]) + " " + want[1]));
            }
            is(String.join(", ", meta), String.join(", ", wantMeta),
               view + ": DatabaseMetaData.getColumns names and types");
        }
        // the catalog as the role sees it: only the reporting views
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = dmd.getTables(null, "omnichannel", "%", null)) {
            while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
        }
        List<Map<String, Object>> visible = fetch(c,
            "SELECT string_agg(DISTINCT table_name::text, ',' ORDER BY table_name::text) AS t,"
            + " count(*) FILTER (WHERE data_type IN ('USER-DEFINED', 'ARRAY')) AS udt"
            + " FROM information_schema.columns WHERE table_schema = 'omnichannel'");
        List<String> sortedViews = new ArrayList<>(views.keySet());
        java.util.Collections.sort(sortedViews);
        is(visible.get(0).get("t"), String.join(",", sortedViews),
           "information_schema.columns shows the role only the reporting views");
        is(visible.get(0).get("udt"), 0L, "no USER-DEFINED or ARRAY column");

        // -- values ------------------------------------------------------------
        List<Map<String, Object>> kpis = fetch(c, "SELECT * FROM omnichannel.channel_kpis ORDER BY day, channel");
        is(kpis.size(), 5, "channel_kpis: 5 rows (3 channels on 03-04, sms on 03-05 and 03-06)");
        Map<String, Map<String, Object>> byKey = new HashMap<>();
        for (Map<String, Object> r : kpis) byKey.put(r.get("day") + " " + r.get("channel"), r);
        Map<String, Map<String, Object>> expectedKpis = new LinkedHashMap<>();
        expectedKpis.put("2024-03-04 email", row(
            "inbound", 1L, "outbound", 1L, "internal", 0L, "threads_opened", 1L,
            "first_response_avg_seconds", 1800.0, "first_response_median_seconds", 1800.0,
            "first_response_p90_seconds", 1800.0, "resolved", 1L, "resolution_median_seconds", 3600.0,
            "sla_clocks", 0L, "sla_achieved", 0L, "sla_attainment_rate", null, "reopen_rate", 0.0,
            "first_contact_resolution_rate", 1.0, "channel_switch_rate", 0.0, "repeat_contact_rate", 0.0,
            "unanswered_rate", 0.0));
        expectedKpis.put("2024-03-04 phone", row(
            "inbound", 1L, "outbound", 0L, "internal", 0L, "threads_opened", 1L,
            "first_response_avg_seconds", 1500.0, "first_response_median_seconds", 1500.0, "resolved", 1L,
            "resolution_median_seconds", 82800.0, "sla_clocks", 0L, "reopen_rate", 1.0,
            "first_contact_resolution_rate", 0.0, "channel_switch_rate", 1.0, "repeat_contact_rate", 1.0,
            "unanswered_rate", 0.0));
        expectedKpis.put("2024-03-04 chat", row(
            "inbound", 1L, "outbound", 1L, "internal", 1L, "threads_opened", 0L,
            "first_response_avg_seconds", null, "resolved", 0L, "reopen_rate", null,
            "channel_switch_rate", null, "unanswered_rate", null));
        expectedKpis.put("2024-03-05 sms", row(
            "inbound", 3L, "outbound", 0L, "internal", 0L, "threads_opened", 1L,
            "first_response_median_seconds", null, "resolved", 0L, "sla_clocks", 1L, "sla_achieved", 0L,
            "sla_attainment_rate", 0.0, "reopen_rate", null, "first_contact_resolution_rate", null,
            "channel_switch_rate", 0.0, "repeat_contact_rate", 1.0, "unanswered_rate", 1.0));
        // Celina's 24-hour resolution clock, breached on its due day
        expectedKpis.put("2024-03-06 sms", row(
            "inbound", 0L, "threads_opened", 0L, "sla_clocks", 1L, "sla_achieved", 0L,
            "sla_attainment_rate", 0.0));
        for (Map.Entry<String, Map<String, Object>> e : expectedKpis.entrySet()) {
            Map<String, Object> r = byKey.get(e.getKey());
            String label = "channel_kpis " + e.getKey() + ":";
            if (check(r != null, label + " row present", null, e.getKey())) checkRow(r, e.getValue(), label);
        }
        if (!kpis.isEmpty()) {
            is(kpis.get(0).get("day"), Date.valueOf("2024-03-04"), "channel_kpis day: java.sql.Date 2024-03-04");
        }

        List<Map<String, Object>> facts = fetch(c, "SELECT * FROM omnichannel.thread_facts ORDER BY opened_at");
        is(facts.size(), 3, "thread_facts: 3 threads");
        Date d4 = Date.valueOf("2024-03-04"), d5 = Date.valueOf("2024-03-05");
        List<Object[]> expectedFacts = Arrays.asList(
            new Object[] {"Anna", row(
                "status", "solved", "priority", "normal", "first_channel", "email", "channels", "email",
                "channel_count", 1, "interactions", 2L, "inbound", 1L, "outbound", 1L, "internal", 0L,
                "channel_switches", 0L, "opened_at", ts(4, 9), "opened_day", d4,
                "first_response_seconds", 1800.0, "first_response_sla", null, "resolved_at", ts(4, 10),
                "resolution_seconds", 3600.0, "reopen_count", 0, "reopened", false,
                "first_contact_resolution", true, "repeat_contacts", 0L, "unanswered", false,
                "sla_policy", null)},
            new Object[] {"Bartek", row(
                "status", "solved", "first_channel", "phone", "channels", "phone,chat,sms", "channel_count", 3,
                "interactions", 5L, "inbound", 3L, "outbound", 1L, "internal", 1L, "channel_switches", 2L,
                "opened_day", d4, "first_response_seconds", 1500.0, "first_response_sla", null,
                "resolved_at", ts(5, 9), "resolution_seconds", 82800.0, "reopen_count", 1, "reopened", true,
                "first_contact_resolution", false, "repeat_contacts", 2L, "unanswered", false,
                "sla_policy", "reporting sms")},
            new Object[] {"Celina", row(
                "status", "open", "first_channel", "sms", "channels", "sms", "channel_count", 1,
                "interactions", 2L, "inbound", 2L, "outbound", 0L, "internal", 0L, "channel_switches", 0L,
                "opened_at", ts(5, 12), "opened_day", d5, "first_response_at", null,
                "first_response_seconds", null, "first_response_sla", "breached", "resolved_at", null,
                "resolution_seconds", null, "resolution_sla", "breached", "reopen_count", 0,
                "reopened", false, "first_contact_resolution", false, "repeat_contacts", 1L,
                "unanswered", true, "sla_policy", "reporting sms")});
        for (int i = 0; i < expectedFacts.size() && i < facts.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> want = (Map<String, Object>) expectedFacts.get(i)[1];
            checkRow(facts.get(i), want, "thread_facts " + expectedFacts.get(i)[0] + ":");
        }
        // timestamptz as java.time, the JDBC 4.2 way
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT opened_at FROM omnichannel.thread_facts ORDER BY opened_at LIMIT 1")) {
            rs.next();
            is(rs.getObject(1, OffsetDateTime.class), OffsetDateTime.of(2024, 3, 4, 9, 0, 0, 0, ZoneOffset.UTC),
               "thread_facts opened_at: getObject(OffsetDateTime.class) 2024-03-04T09:00Z");
        }

        List<Map<String, Object>> att = fetch(c,
            "SELECT * FROM omnichannel.sla_attainment ORDER BY day, channel, policy, metric");
        is(att.size(), 2, "sla_attainment: 2 rows (Celina's first response and resolution)");
        List<Map<String, Object>> expectedAtt = Arrays.asList(
            row("day", d5, "channel", "sms", "policy", "reporting sms", "metric", "first_response",
                "clocks", 1L, "achieved", 0L, "breached", 1L, "achieved_pct", new BigDecimal("0.00"),
                "median_business_seconds", null, "median_wall_seconds", null),
            row("day", Date.valueOf("2024-03-06"), "channel", "sms", "policy", "reporting sms",
                "metric", "resolution", "clocks", 1L, "achieved", 0L, "breached", 1L,
                "achieved_pct", new BigDecimal("0.00")));
        for (int i = 0; i < expectedAtt.size() && i < att.size(); i++) {
            checkRow(att.get(i), expectedAtt.get(i), "sla_attainment row " + (i + 1) + ":");
        }

        // -- what the role is refused -------------------------------------------
        for (String sql : new String[] {
                 "SELECT body FROM omnichannel.interaction",
                 "SELECT contact FROM omnichannel.customer_identifier",
                 "SELECT * FROM omnichannel.customer",
                 "SELECT * FROM omnichannel.thread",
                 "SELECT * FROM omnichannel.queue"}) {
            checkRefused(c, sql);
        }

        // -- customer_360, when it exists ----------------------------------------
        List<Map<String, Object>> fn = fetch(c,
            "SELECT count(*) AS n FROM pg_proc WHERE proname = 'customer_360'"
            + " AND pronamespace = 'omnichannel'::regnamespace");
        if ((Long) fn.get(0).get("n") == 0L) {
            System.out.println("# skip customer_360: omnichannel.customer_360(bigint) does not exist yet");
        } else {
            // it shows contact points: the reporting role must not get it
            checkRefused(c, "SELECT omnichannel.customer_360(1)");
            String appUser = System.getenv("OC_360_USER");
            if (appUser == null || appUser.isEmpty()) {
                System.out.println("# skip customer_360 as an application login: OC_360_USER not set");
            } else {
                Properties app = new Properties();
                app.setProperty("user", appUser);
                String apw = System.getenv("OC_360_PASSWORD");
                if (apw != null && !apw.isEmpty()) app.setProperty("password", apw);
                try (Connection a = DriverManager.getConnection(url, app);
                     Statement st = a.createStatement();
                     ResultSet rs = st.executeQuery(
                         "SELECT omnichannel.customer_360(min(id)) FROM omnichannel.customer")) {
                    is(rs.getMetaData().getColumnTypeName(1), "jsonb", "customer_360: type name jsonb");
                    rs.next();
                    Object o = rs.getObject(1);
                    String json = null;
                    if (o instanceof org.postgresql.util.PGobject) {
                        is(((org.postgresql.util.PGobject) o).getType(), "jsonb", "customer_360: PGobject of type jsonb");
                        json = ((org.postgresql.util.PGobject) o).getValue();
                    } else if (o instanceof String) {
                        check(true, "customer_360: a String", null, null);
                        json = (String) o;
                    } else {
                        check(false, "customer_360: a PGobject or String", o == null ? null : o.getClass().getName(),
                              "PGobject or String");
                    }
                    // no JSON library here: an object with an "id" or "customer" key at its top
                    boolean ok = json != null && json.trim().startsWith("{") && json.trim().endsWith("}")
                        && json.matches("(?s)^\\s*\\{\\s*(.*[,{]\\s*)?\"(id|customer)\"\\s*:.*");
                    check(ok, "customer_360: a JSON object with an \"id\" or \"customer\" key",
                          json == null ? null : json.substring(0, Math.min(120, json.length())), "{\"id\": ...}");
                }
            }
        }
        c.close();

        System.out.println("1.." + count);
        System.exit(failed == 0 ? 0 : 1);
    }
}
