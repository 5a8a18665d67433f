-- One row per processed version of an input file (content + the reference data it was read with).
create table if not exists source_file (
    file_id bigint primary key,
    path varchar not null,
    sha256 varchar not null,
    content_key varchar not null,
    size_bytes bigint not null,
    kind varchar not null,
    run_id varchar not null,
    status varchar not null,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    is_current boolean not null
);
comment on table source_file is 'Audit: every version of every input file the pipeline processed (load table).';
comment on column source_file.path is 'Path relative to the raw directory.';
comment on column source_file.sha256 is 'SHA-256 of the file bytes.';
comment on column source_file.content_key is 'Hash of the file bytes and the reference data used to read it.';
comment on column source_file.status is 'loaded, partial (some rows rejected) or quarantined (whole file rejected).';
comment on column source_file.is_current is 'True for the latest processed version of a path still present.';
