"""`health`: is a Neon stack well? Each check has a value, the thresholds from the stack file's
`monitoring:` section and a status; the worst status is the exit code (0 ok, 6 warning, 7 critical).

    model.py    Check, HealthReport (text and JSON), and how a value is judged against its threshold
    probe.py    what the database says (over psycopg): latency, pg_stat_statements, sessions, counters
    baseline.py the counters of the previous run, kept in the stack's database (workshelf_infra)
    sql.py      the checks made from the database's answers, deltas since the previous run included
    neon.py     the checks made from Neon's API: branches, failed operations, declared vs actual, snapshots
    run.py      one run: the context, the order, the compute's state (an idle compute is not woken)
"""
