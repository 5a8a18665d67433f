create table if not exists fact_admission (
    file_id bigint not null,
    sheet varchar,
    source_row integer not null,
    unit_code varchar not null,
    unit_key integer,
    period_month date not null,
    person_key varchar not null,
    age_at_admission integer not null,
    gender varchar not null,
    ethnicity varchar not null,
    is_ethnic_minority boolean not null,
    has_religion boolean not null,
    source varchar not null,
    admitted_on date not null,
    decision_no varchar,
    is_current boolean not null,
    primary key (file_id, person_key)
);
comment on table fact_admission is 'New members admitted (sheet DanhSach), one row per person and submission; no personal data.';
comment on column fact_admission.unit_key is 'The version of the unit the admission counts for (as fact_unit_month.unit_key).';
comment on column fact_admission.person_key is 'Keyed hash (HMAC-SHA-256) of the national id; the key is configuration, never stored here.';
comment on column fact_admission.age_at_admission is 'Whole years between birth and the admission decision.';
comment on column fact_admission.is_ethnic_minority is 'Ethnicity other than Kinh.';
comment on column fact_admission.has_religion is 'Religion given and not "Không".';
comment on column fact_admission.source is 'youth (introduced by the Youth Union) or union (by the Trade Union).';
comment on column fact_admission.is_current is 'True when this row belongs to the roster in force for its unit-month.';
