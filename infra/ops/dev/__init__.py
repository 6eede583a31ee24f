"""The developer's own database, as workflows: `make onboard`, `status`, `dev down|reset|destroy`.

    onboard.py    from a fresh clone to a database that answers at the DATABASE_URL in `.env`
    prereqs.py    Python, the set-up, a database engine (installed when possible), a server user
    preflight.py  every reason `pulumi up` would fail halfway, checked before it runs
    status.py     the dev database's state; stop it, reset it, remove it
    summary.py    the aligned tables those commands print
    stack.py      the dev stack: its settings file, its state as Pulumi records it, its environment
    host.py       the machine as these workflows see it (ports, binaries, the cluster, Docker): one
                  injectable bundle, so every decision is unit-tested with fakes
    deps.py       everything else they touch outside their own logic, with the real implementations

What they manage lives in `infra/devdb` (the engine, its choice, the URL, `.env`); they only ever touch
the `dev` stack, in the local state backend.
"""
