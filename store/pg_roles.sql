-- regflow's PostgreSQL roles (run by `regflow init --pg-roles`, or by hand with psql after
-- `SET search_path` to regflow's schema). Re-run after every upgrade: new tables need grants.
--
--   regflow_app      what clerks, heads and officers log in through: INSERT/SELECT on the event
--                    log, full DML elsewhere; it can never UPDATE, DELETE or TRUNCATE events.
--   regflow_auditor  SELECT on everything, nothing else.
--
-- Both are NOLOGIN group roles: the deployment creates one login role per person or service
-- account and grants it one of these (CREATE ROLE aigul LOGIN IN ROLE regflow_app), so that the
-- database, not regflow, proves who connects. The trigger events_append_only (migration 0004)
-- refuses UPDATE/DELETE/TRUNCATE on events even for the table's owner.
SELECT pg_advisory_xact_lock(7243019);
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regflow_app') THEN
        CREATE ROLE regflow_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regflow_auditor') THEN
        CREATE ROLE regflow_auditor NOLOGIN;
    END IF;
END
$$;
DO $$
DECLARE
    s text := quote_ident(current_schema());
BEGIN
    EXECUTE 'GRANT USAGE ON SCHEMA ' || s || ' TO regflow_app, regflow_auditor';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ' || s
        || ' TO regflow_app';
    EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON ' || s || '.events FROM regflow_app';
    EXECUTE 'REVOKE INSERT, UPDATE, DELETE ON ' || s || '.alembic_version FROM regflow_app';
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ' || s || ' TO regflow_app';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA ' || s || ' TO regflow_auditor';
END
$$;
