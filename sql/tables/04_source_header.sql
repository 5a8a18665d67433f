-- The headers each file used, so findings name columns as the unit wrote them.
create table if not exists source_header (
    file_id bigint not null,
    sheet varchar,
    column_name varchar not null,
    header varchar not null
);
comment on table source_header is 'Audit: the header each input file used for each canonical column (load table).';
