-- Who did what to the Board's figures (approvals, reopenings; later the console's actions).
-- Written in the same transaction as the change it records; never updated or deleted.
create table if not exists audit_log (
    audit_id varchar primary key,
    acted_at timestamp not null,
    actor varchar not null,
    role varchar,
    action varchar not null,
    target varchar,
    reason varchar,
    detail varchar
);
comment on table audit_log is 'Audit: one row per approval, reopening or other action on the figures (load table, not for BI).';
comment on column audit_log.action is 'approve, reopen, ...';
comment on column audit_log.target is 'What the action was on, e.g. the period 2024-Q1.';
comment on column audit_log.detail is 'JSON with the action''s particulars (version, months, folder).';
