create table if not exists restricted_person (
    person_key varchar not null,
    file_id bigint not null,
    source_row integer not null,
    full_name varchar not null,
    birth_date date not null,
    primary key (person_key, file_id)
);
comment on table restricted_person is 'RESTRICTED personal data (names, birth dates) of admitted members; never exposed to BI roles or extracts.';
