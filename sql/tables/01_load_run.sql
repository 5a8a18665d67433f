-- One row per pipeline run. Written in the same transaction as the run's data, so a run that
-- is killed leaves no row; failed runs are recorded afterwards with status 'failed'.
create table if not exists load_run (
    run_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    raw_dir varchar,
    files_seen integer,
    files_new integer,
    rows_read integer,
    rows_loaded integer,
    rows_rejected integer,
    issues_opened integer,
    issues_resolved integer,
    message varchar
);
comment on table load_run is 'Audit: one row per pipeline run (load table, not for BI).';
comment on column load_run.status is 'succeeded, nothing_new or failed.';
