create table if not exists reference_file (
    path varchar primary key,
    sha256 varchar not null,
    run_id varchar not null
);
comment on table reference_file is 'Reference files (unit registry, aliases, committees, change list) as last applied, with the run that applied them.';
