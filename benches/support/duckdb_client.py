"""DuckDB's own Python client, timed on the same file and SQL as tally's reports.

Started once by `benches/reports.rs` with the database path; then reads commands on
stdin, one per line, and answers each with one line on stdout:

    version              -> DuckDB's version (the benchmark checks it is tally's)
    setup PATH           -> runs the SQL script at PATH (the session: macros, views,
                            variables), answers "ok"
    run PATH             -> runs the query at PATH twice, as a user of this client
                            does (`execute`, the result fetched as Arrow), and
                            answers the second run's "<seconds> <rows>"

The timing covers the query alone: parse, bind, plan, run and fetch, as the
client does them (one bind per execute when no parameter is given).
"""

import sys
import time
import warnings

import duckdb

# It suggests `con.sql(query).to_arrow_table()`, which binds the query twice (a
# relation first): slower, so not the bar.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")

con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    command, _, arg = line.rstrip("\n").partition(" ")
    if command == "version":
        answer = duckdb.__version__
    elif command == "setup":
        with open(arg, encoding="utf-8") as f:
            con.execute(f.read())
        answer = "ok"
    elif command == "run":
        with open(arg, encoding="utf-8") as f:
            sql = f.read()
        con.execute(sql).to_arrow_table()  # untimed: as the benchmark does for tally
        start = time.perf_counter()
        rows = con.execute(sql).to_arrow_table().num_rows
        answer = f"{time.perf_counter() - start:.6f} {rows}"
    else:
        answer = f"unknown command {command!r}"
    print(answer, flush=True)
