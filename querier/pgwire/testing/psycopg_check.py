"""Drives the wire server with psycopg2 or psycopg (3) and prints what it saw as JSON.

Usage: /usr/bin/python3 psycopg_check.py psycopg2|psycopg PORT
The TypeScript test asserts on the printed JSON, so this script only observes.
"""
import datetime
import decimal
import json
import sys
import threading
import uuid


def typed(v):
    """A value as [python type name, str()] so the test sees how the driver parsed it."""
    if isinstance(v, (bytes, memoryview)):
        return [type(v).__name__, bytes(v).hex()]
    return [type(v).__name__, str(v)]


def error_info(e):
    return {"sqlstate": e.pgcode if hasattr(e, "pgcode") else e.sqlstate,
            "position": e.diag.statement_position, "hint": e.diag.message_hint, "message": e.diag.message_primary}


def check_psycopg2(port):
    import psycopg2
    out = {}
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="py", dbname="flow_log", application_name="pytest")
    out["server_version"] = conn.server_version
    cur = conn.cursor()
    cur.execute("SELECT * FROM typed")
    out["typed"] = [[typed(v) for v in row] for row in cur.fetchall()]
    out["columns"] = [d.name for d in cur.description]
    cur.execute("SELECT id, name FROM services WHERE id = %s", (2,))
    out["param"] = cur.fetchall()
    out["status_in_tx"] = conn.get_transaction_status()
    conn.commit()
    try:
        cur.execute("SELECT * FROM nosuch")
    except psycopg2.Error as e:
        out["error"] = error_info(e)
    conn.rollback()
    cur.execute("SHOW application_name")
    out["app"] = cur.fetchone()[0]
    conn.close()
    return out


def check_psycopg(port):
    import psycopg
    out = {}
    conn = psycopg.connect(host="127.0.0.1", port=port, user="py", dbname="flow_log", autocommit=True)
    out["server_version"] = conn.info.server_version
    for binary in (False, True):
        rows = conn.execute("SELECT * FROM typed", binary=binary).fetchall()
        out["typed_binary" if binary else "typed_text"] = [[typed(v) for v in row] for row in rows]
    ts = datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc)
    params = (7, "x", 2.5, decimal.Decimal("-1.25"), ts, uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), [1, None, 3], b"\x00\xff", True, None)
    sql = "SELECT %s AS a, %s AS b, %s AS c, %s AS d, %s AS e, %s AS f, %s AS g, %s AS h, %s AS i, %s::text AS j"
    out["echo_text"] = [typed(v) for v in conn.execute(sql, params).fetchone()]
    out["echo_binary"] = [typed(v) for v in conn.execute(sql.replace("%s", "%b"), params, binary=True).fetchone()]
    try:
        conn.execute("SELECT nmae FROM services")
    except psycopg.Error as e:
        out["error"] = error_info(e)
    with conn.pipeline():
        cursors = [conn.execute("SELECT name FROM services WHERE id = %s", (i,)) for i in (1, 2, 3)]
    out["pipeline"] = [c.fetchone()[0] for c in cursors]
    timer = threading.Timer(0.3, conn.cancel)
    timer.start()
    try:
        conn.execute("SELECT sleep(30)")
    except psycopg.errors.QueryCanceled as e:
        out["cancel"] = e.sqlstate
    out["after_cancel"] = conn.execute("SELECT 1 AS n").fetchone()[0]
    with psycopg.connect(host="127.0.0.1", port=port, user="py", dbname="flow_log") as tx:
        tx.execute("SELECT 1")
        out["tx_status"] = tx.info.transaction_status.name
        tx.commit()
        out["tx_status_after"] = tx.info.transaction_status.name
    conn.close()
    return out


if __name__ == "__main__":
    driver, port = sys.argv[1], int(sys.argv[2])
    result = check_psycopg2(port) if driver == "psycopg2" else check_psycopg(port)
    print(json.dumps(result))
