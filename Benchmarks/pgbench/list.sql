-- What one GET /datasets?used_calibrations=<id>&limit=50 (first page) runs on PostgreSQL
-- (PostgresDatasetSummaryModel.list walks the citation index in list order and asks for limit + 1 rows
-- to know whether a next page exists).
\set c random(1, 200)
SELECT s.dataset_id, s.name, s.uri, s.producing_run_id, s.subject_id, s.status, s.used_calibrations, (extract(epoch FROM s.created_at) * 1000000)::int8, (extract(epoch FROM s.updated_at) * 1000000)::int8 FROM proj_data_calibration_citations c JOIN proj_data_dataset_summary s ON s.dataset_id = c.dataset_id WHERE c.calibration_id = ('00000000-0000-4000-8000-' || lpad(:c::text, 12, '0'))::uuid ORDER BY c.created_at, c.dataset_id LIMIT 51;
