"""The developer's own database, whatever runs it: everything about the dev stack's engine.

    engine.py   which engine: `choose_engine` decides (once, in onboarding; the program uses that choice)
    docker.py   is a Docker engine there; the dev container's name, state and logs
    native.py   the native engine: `NativeSpec` (from the settings) and `NativeDatabase` (its lifecycle)
    url.py      the DATABASE_URL: one builder that quotes every part, and its parser
    envfile.py  writing DATABASE_URL into `.env` without disturbing anything else
    context.py  one project's dev facts (paths, container, spec), each computed in one place
    errors.py   DevDbError and its subclasses

The generic PostgreSQL-cluster library it builds on is `infra/localpg`; the onboarding workflow that
drives it is `infra/ops/dev`; the Pulumi side is `infra/components/dev_*.py` and `infra/providers/local_postgres.py`.
"""
