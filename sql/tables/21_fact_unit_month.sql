create table if not exists fact_unit_month (
    file_id bigint not null,
    sheet varchar,
    source_row integer not null,
    unit_code varchar not null,
    unit_key integer,
    period_month date not null,
    admitted_total integer not null,
    admitted_youth integer not null,
    admitted_union integer not null,
    recognized_full integer not null,
    trained integer not null,
    sympathizers integer not null,
    reported_on date,
    is_on_time boolean not null,
    is_current boolean not null,
    superseded_by_file_id bigint,
    primary key (file_id, unit_code, period_month)
);
comment on table fact_unit_month is 'Monthly unit reports (sheet TongHop), one row per submission; is_current marks the report in force.';
comment on column fact_unit_month.file_id is 'Lineage: the source_file version this row came from (with sheet and source_row).';
comment on column fact_unit_month.source_row is 'Row as the source shows it (Excel row or CSV line).';
comment on column fact_unit_month.unit_code is 'The unit the report names (resolved from its code or name).';
comment on column fact_unit_month.unit_key is 'The version of the unit the figures count for in that month: the named unit''s, or its successor''s if it had ceased; null if it had been dissolved or did not exist yet (not counted).';
comment on column fact_unit_month.period_month is 'First day of the reported month.';
comment on column fact_unit_month.admitted_total is 'New members admitted in the month (decision date in the month).';
comment on column fact_unit_month.admitted_youth is 'Of which introduced by the Youth Union.';
comment on column fact_unit_month.admitted_union is 'Of which introduced by the Trade Union.';
comment on column fact_unit_month.recognized_full is 'Probationary members recognised as full members in the month.';
comment on column fact_unit_month.trained is 'Persons who completed the Party-awareness course in the month.';
comment on column fact_unit_month.sympathizers is 'Candidate pool at month end (a stock, not a flow).';
comment on column fact_unit_month.is_on_time is 'Reported on or before the deadline (day PDV_REPORT_DEADLINE_DAY of the next month).';
comment on column fact_unit_month.is_current is 'True for the latest accepted submission of the unit-month.';
