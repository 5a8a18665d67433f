-- The digest of the DDL last applied (every statement of sql/tables, views, marts and the data
-- dictionary). A run whose sql/ is unchanged skips re-applying it: that cost 0.6 s per run.
create table if not exists schema_digest (
    digest varchar not null
);
comment on table schema_digest is 'Audit: digest of the applied DDL (load table, not for BI).';
