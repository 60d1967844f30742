-- What one GET /datasets?used_calibrations=<id>&limit=50 (first page) runs on PostgreSQL
-- (PostgresSummaryQueries.list asks for limit + 1 rows to know whether a next page exists).
\set c random(1, 200)
SELECT dataset_id, name, uri, producing_run_id, subject_id, status, used_calibrations, (extract(epoch FROM created_at) * 1000000)::int8, (extract(epoch FROM updated_at) * 1000000)::int8 FROM proj_data_dataset_summary WHERE used_calibrations @> ARRAY[('00000000-0000-4000-8000-' || lpad(:c::text, 12, '0'))::uuid]::uuid[] ORDER BY created_at, dataset_id LIMIT 51;
