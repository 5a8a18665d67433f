-- The latest processed version of a file.
select s.path, s.status, s.rows_read, s.rows_loaded, s.rows_rejected, s.run_id, s.is_current
from source_file as s
where s.path = :path
order by s.file_id desc
limit 1
