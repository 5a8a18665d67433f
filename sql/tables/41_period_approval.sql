-- One row per issued version of a Board period. The row and the version's figures
-- (fact_issued_progress, fact_issued_month) are written together and never change, except that a
-- reopening stamps reopened_*: an issued extract can be regenerated from them byte for byte.
create table if not exists period_approval (
    period varchar not null,
    version integer not null,
    view varchar not null,
    approved_at timestamp not null,
    approved_by varchar not null,
    reopened_at timestamp,
    reopened_by varchar,
    reopen_reason varchar,
    load_run varchar,
    data_cutoff varchar not null,
    context varchar not null,
    csv_sha256 varchar not null,
    manifest_sha256 varchar not null,
    primary key (period, version)
);
comment on table period_approval is 'Issued versions of Board periods: who approved when, reopenings, and what the extract was built from.';
comment on column period_approval.context is 'JSON: the extract''s metadata and source files as issued.';
comment on column period_approval.reopened_at is 'Null while this version is the one in force for the period.';
