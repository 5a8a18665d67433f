-- Data-quality issues: never deleted; resolved when a later input no longer shows them.
create table if not exists dq_issue (
    issue_id varchar primary key,
    severity varchar not null,
    rule varchar not null,
    file varchar,
    sheet varchar,
    row_number integer,
    column_name varchar,
    value varchar,
    unit varchar,
    period varchar,
    message_vi varchar not null,
    message_en varchar not null,
    status varchar not null,
    scope varchar not null,
    file_id bigint,
    first_run_id varchar not null,
    last_run_id varchar not null,
    resolved_run_id varchar,
    resolved_by_file varchar
);
comment on table dq_issue is 'Data-quality issues found in inputs and in the loaded warehouse.';
comment on column dq_issue.severity is 'error (row or file not loaded) or warning (loaded, listed).';
comment on column dq_issue.rule is 'Stable rule identifier, e.g. annex.row_arithmetic.';
comment on column dq_issue.file is 'Input path relative to the raw directory.';
comment on column dq_issue.row_number is 'Row as the source shows it (Excel row or text line); null for file- or plan-level findings.';
comment on column dq_issue.column_name is 'Column header as written in the source.';
comment on column dq_issue.status is 'open or resolved.';
comment on column dq_issue.scope is 'What a run re-checks to confirm or resolve the issue: file:<path>, unitmonth:<code>|<yyyy-mm> or warehouse.';
comment on column dq_issue.resolved_by_file is 'The input file whose processing no longer showed the issue.';
