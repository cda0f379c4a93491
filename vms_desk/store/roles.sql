-- The database and roles of a vms_desk team store (docs/team-store.md). Run it with psql as a
-- PostgreSQL superuser:
--
--     vms-desk store roles > roles.sql
--     psql -v ON_ERROR_STOP=1 -f roles.sql
--
-- Choose other names with -v database=NAME -v owner=NAME -v workstation=NAME (defaults: vmsdesk,
-- vmsdesk_owner, vmsdesk_workstation).
--
-- Run it twice: first to create the database and the two roles; then, once the owner's login has opened
-- the store (which creates the tables), again to grant the workstation role what it needs on them. It is
-- safe to run any number of times, and is run again after a vms_desk upgrade that adds tables.
--
--   owner        owns the database and its tables; its login creates and upgrades the tables. Used by
--                whoever upgrades the store, never by a workstation.
--   workstation  the login of every workstation and the supervisor: reads and writes jobs, their events
--                and cases; reads and appends to the audit chain but can never change or remove an
--                entry; can create or alter nothing.
--
-- Neither role gets a password here (this file would hold it): set them with psql's \password, which
-- sends only a hash.

\set ON_ERROR_STOP on
\if :{?database}
\else
\set database vmsdesk
\endif
\if :{?owner}
\else
\set owner vmsdesk_owner
\endif
\if :{?workstation}
\else
\set workstation vmsdesk_workstation
\endif

-- The roles and the database, where they do not exist yet.
SELECT format('CREATE ROLE %I LOGIN', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'workstation')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'workstation') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

\connect :"database"

-- Only these two roles connect; only the owner creates anything (PostgreSQL before 15 let every role
-- create tables in the public schema).
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"owner", :"workstation";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"workstation";

-- A table the owner creates later (an upgrade) is only readable by the workstation until this script,
-- run again, says what else the workstation may do with it: the safe side for an audit table.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"workstation";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"workstation";

-- The workstation's privileges on the tables, once they exist. Revoked and granted again in one
-- transaction, so a run always ends with exactly these and a running workstation never sees less.
SELECT to_regclass('public.audit') IS NOT NULL AS migrated \gset
\if :migrated
BEGIN;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"workstation";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"workstation";
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, events, cases TO :"workstation";
-- The audit chain: read and append, never change or remove (its triggers refuse that too).
GRANT SELECT, INSERT ON audit TO :"workstation";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"workstation";
COMMIT;
\echo 'The workstation role may now use the store''s tables.'
\else
\echo 'The database and roles are ready. Next: set their passwords, open the store once with the owner''s'
\echo 'login (that creates the tables), then run this script again to grant the workstation role on them.'
\endif
