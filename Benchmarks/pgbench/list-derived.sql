-- What one GET /datasets?derived_from=<the flat-field reference>&limit=10 (first page) runs on PostgreSQL
-- (PostgresDatasetSummaryModel.list driven by the lineage index; limit + 1 rows). Run on the loaded
-- catalogue with -D hub=<its id>.
SELECT s.dataset_id, s.name, s.uri, s.producing_run_id, s.subject_id, s.status, s.used_calibrations, (extract(epoch FROM s.created_at) * 1000000)::int8, (extract(epoch FROM s.updated_at) * 1000000)::int8 FROM proj_data_dataset_lineage d JOIN proj_data_dataset_summary s ON s.dataset_id = d.child_id WHERE d.parent_id = :hub::uuid ORDER BY d.child_created_at, d.child_id LIMIT 11;
