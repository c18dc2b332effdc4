// Drives the wire server with the PostgreSQL JDBC driver and prints "key=value" lines for
// the TypeScript test to assert on. Usage: java -cp postgresql.jar:DIR JdbcCheck PORT
import java.sql.*;
import java.util.*;

public class JdbcCheck {
  static void out(String key, Object value) {
    System.out.println(key + "=" + String.valueOf(value).replace("\n", "|"));
  }

  public static void main(String[] args) throws Exception {
    String base = "jdbc:postgresql://127.0.0.1:" + args[0] + "/flow_log";
    try (Connection c = DriverManager.getConnection(base + "?ApplicationName=jdbc-check", "jdbc", "")) {
      out("product", c.getMetaData().getDatabaseProductVersion());
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM typed")) {
        ResultSetMetaData md = rs.getMetaData();
        rs.next();
        // Column type names of types outside the driver's built-in table (interval, jsonb) are
        // looked up in pg_catalog, which is the querier's job, not the wire server's.
        for (int i = 1; i <= md.getColumnCount(); i++) out("text." + md.getColumnName(i), rs.getString(i));
        rs.next();
        out("text.null", rs.getString(1) + "," + rs.wasNull());
      }
      // Seven runs cross the default prepareThreshold (5): the driver switches to a named
      // server-side statement and binary results midway.
      try (PreparedStatement p = c.prepareStatement("SELECT id, name, rps FROM services WHERE id = ?")) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 7; k++) {
          p.setInt(1, 1 + k % 3);
          try (ResultSet rs = p.executeQuery()) { rs.next(); b.append(rs.getInt(1)).append(':').append(rs.getString(2)).append(':').append(rs.getDouble(3)).append(' '); }
        }
        out("prepared", b.toString().trim());
      }
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT nmae FROM services");
      } catch (SQLException e) {
        org.postgresql.util.ServerErrorMessage m = ((org.postgresql.util.PSQLException) e).getServerErrorMessage();
        out("error", e.getSQLState() + ";" + m.getPosition() + ";" + m.getHint());
      }
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        // With autocommit off a fetch size makes the driver Execute with a row limit and
        // resume the suspended portal.
        s.setFetchSize(100);
        int n = 0;
        long last = 0;
        try (ResultSet rs = s.executeQuery("SELECT * FROM series(250)")) { while (rs.next()) { n++; last = rs.getLong(1); } }
        out("fetched", n + ":" + last);
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        Thread t = new Thread(() -> { try { Thread.sleep(300); s.cancel(); } catch (Exception ignored) { } });
        t.start();
        try { s.executeQuery("SELECT sleep(30)"); } catch (SQLException e) { out("cancel", e.getSQLState()); }
        t.join();
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW application_name")) { rs.next(); out("app", rs.getString(1)); }
    }
    // prepareThreshold=-1 makes even the first execution binary, for parameters and results.
    try (Connection c = DriverManager.getConnection(base + "?prepareThreshold=-1", "jdbc", "");
         PreparedStatement p = c.prepareStatement("SELECT ?::int8 AS a, ?::timestamptz AS b, ?::text AS c, ?::numeric AS d, ?::float8 AS e, ?::bool AS f, ?::date AS g, ?::int4 AS h")) {
      p.setLong(1, 9007199254740993L);
      p.setTimestamp(2, Timestamp.from(java.time.Instant.parse("2024-01-02T03:04:05.678901Z")));
      p.setString(3, "héllo");
      p.setBigDecimal(4, new java.math.BigDecimal("-12.3400"));
      p.setDouble(5, 0.1);
      p.setBoolean(6, true);
      p.setDate(7, java.sql.Date.valueOf("2024-02-29"));
      p.setNull(8, Types.INTEGER);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        out("binary", rs.getLong(1) + ";" + rs.getTimestamp(2).toInstant() + ";" + rs.getString(3) + ";" + rs.getBigDecimal(4) + ";"
            + rs.getDouble(5) + ";" + rs.getBoolean(6) + ";" + rs.getDate(7) + ";" + rs.getObject(8));
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT u, i8, ts, num FROM typed")) {
        rs.next();
        out("binary.typed", rs.getObject(1).getClass().getSimpleName() + ":" + rs.getObject(1) + ";" + rs.getLong(2) + ";" + rs.getTimestamp(3).toInstant() + ";" + rs.getBigDecimal(4));
      }
    }
  }
}
