create table if not exists fact_target (
    file_id bigint not null,
    plan_key integer not null,
    unit_code varchar not null,
    unit_key integer,
    year integer not null,
    source varchar not null,
    target integer not null,
    annex_stt integer,
    source_row integer not null,
    is_current boolean not null,
    primary key (file_id, unit_code, year, source)
);
comment on table fact_target is 'Annual admission targets per unit, year and source (total, youth, union) as the annex states them.';
comment on column fact_target.unit_key is 'The unit''s version in January of the year (null if the unit did not exist then).';
comment on column fact_target.source is 'total (as stated), youth (youth-union members) or union (trade-union members).';
comment on column fact_target.annex_stt is 'Row number (STT) in the annex; not an identifier.';
comment on column fact_target.source_row is 'Line or Excel row of the annex row in its file.';
comment on column fact_target.is_current is 'False once a newer version of the plan replaced these targets.';
