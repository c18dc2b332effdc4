// Exercises the JDBC paths client tools use against a MetaFlow server: metadata
// (getTables, getColumns), a Statement and a PreparedStatement. Prints one line per check.
import java.sql.*;

public class JdbcProbe {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0], "metaflow", "")) {
      DatabaseMetaData md = c.getMetaData();
      try (ResultSet rs = md.getTables(null, "flow_log", "%", new String[] {"TABLE"})) {
        StringBuilder b = new StringBuilder("tables:");
        while (rs.next()) b.append(' ').append(rs.getString("TABLE_SCHEM")).append('.').append(rs.getString("TABLE_NAME"));
        System.out.println(b);
      }
      try (ResultSet rs = md.getColumns(null, "flow_log", "l7_flow_log", "pod%")) {
        StringBuilder b = new StringBuilder("columns:");
        while (rs.next()) b.append(' ').append(rs.getString("COLUMN_NAME")).append(':').append(rs.getString("TYPE_NAME"));
        System.out.println(b);
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM flow_log.l7_flow_log")) {
        rs.next();
        System.out.println("count: " + rs.getLong(1));
      }
      try (PreparedStatement p = c.prepareStatement("SELECT pod_1, count(*) AS n FROM flow_log.l7_flow_log WHERE pod_1 = ? GROUP BY pod_1")) {
        p.setString(1, "db-0");
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          System.out.println("prepared: " + rs.getString(1) + " " + rs.getLong(2));
        }
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT time FROM flow_log.l7_flow_log ORDER BY time LIMIT 1")) {
        rs.next();
        System.out.println("time: " + rs.getTimestamp(1).toInstant());
      }
    }
  }
}
