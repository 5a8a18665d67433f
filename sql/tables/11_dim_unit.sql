create table if not exists dim_unit (
    unit_key integer primary key,
    unit_code varchar not null,
    unit_type varchar not null,
    unit_name varchar not null,
    name_key varchar not null,
    parent_code varchar not null,
    parent_name varchar not null,
    current_unit_code varchar not null,
    valid_from date,
    valid_to date,
    is_current boolean not null
);
comment on table dim_unit is 'Grass-roots party organisations, one row per version (type 2): name and parent committee over time.';
comment on column dim_unit.unit_key is 'Surrogate key of one version of a unit; kept while the version exists in the reference data.';
comment on column dim_unit.unit_code is 'Stable unit code from the unit registry (data/raw/reference/units.csv).';
comment on column dim_unit.unit_type is 'Đảng bộ (party committee) or Chi bộ (party cell).';
comment on column dim_unit.name_key is 'Normalised name used for matching (case, spacing, NFC/NFD, tone placement).';
comment on column dim_unit.parent_code is 'Parent committee in this version (data/raw/reference/committees.csv), e.g. the bloc DUK until 07/02/2025.';
comment on column dim_unit.parent_name is 'Name of the parent committee.';
comment on column dim_unit.current_unit_code is 'The unit that carries this unit''s figures today (itself, or its successor after merges and splits).';
comment on column dim_unit.valid_from is 'First day of this version (null: since before the plan).';
comment on column dim_unit.valid_to is 'Last day of this version (null: still valid).';
comment on column dim_unit.is_current is 'True for the version valid today (a unit that ceased has none).';
