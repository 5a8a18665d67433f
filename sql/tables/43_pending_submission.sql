-- Reports that arrived for a locked month: stored (fact rows with is_current = false) but not in
-- force until the period is reopened; the next run after the reopening applies them.
create table if not exists pending_submission (
    file_id bigint not null,
    unit_key integer not null,
    unit_code varchar not null,
    period_month date not null,
    kind varchar not null,
    status varchar not null,
    run_id varchar not null,
    applied_run_id varchar,
    primary key (file_id, unit_key, period_month)
);
comment on table pending_submission is 'Submissions into locked months, waiting for a reopening (status pending, then applied).';
comment on column pending_submission.kind is 'new (a report arrived) or removed (the file in force left the raw directory).';
