create table if not exists dim_unit (
    unit_key integer primary key,
    unit_code varchar not null,
    unit_type varchar not null,
    unit_name varchar not null,
    name_key varchar not null,
    valid_from date,
    valid_to date,
    is_current boolean not null
);
comment on table dim_unit is 'Grass-roots party organisations, one row per version (type 2).';
comment on column dim_unit.unit_key is 'Surrogate key of one version of a unit; never reused.';
comment on column dim_unit.unit_code is 'Stable unit code from the unit registry (data/raw/reference/units.csv).';
comment on column dim_unit.unit_type is 'Đảng bộ (party committee) or Chi bộ (party cell).';
comment on column dim_unit.name_key is 'Normalised name used for matching (case, spacing, NFC/NFD, tone placement).';
comment on column dim_unit.valid_from is 'First day of this version (null: since before the warehouse).';
comment on column dim_unit.valid_to is 'Last day of this version (null: still valid).';
