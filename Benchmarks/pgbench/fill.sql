-- The pgbench database (cora_limits): the service's own schema (created by `cora migrate`) filled with
-- 1,000,000 datasets shaped like the ones `cora-bench load` registers: one DatasetRegistered event each
-- (~680-byte payload, the service's canonical JSON), a summary row, a state row, 1-3 calibrations from the
-- pool of 200 with their citation rows.
-- Ids are md5-derived so the scripts can address dataset i as md5('ds' || i)::uuid.
-- Plain SQL, not the domain: this database only gives the limit the service is compared with.
SET synchronous_commit = off;
SELECT setseed(0.25);

CREATE TEMP TABLE source AS
SELECT i,
       md5('ds' || i)::uuid AS dataset_id,
       ARRAY(SELECT DISTINCT ('00000000-0000-4000-8000-' || lpad((1 + floor(random() * 200))::int::text, 12, '0'))::uuid
             FROM generate_series(1, 1 + (i % 3) + 0 * i)) AS calibrations,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '20 milliseconds' AS created_at
FROM generate_series(1, 1000000) AS i;

INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
SELECT md5('event' || i)::uuid, 'Dataset', dataset_id, 1, 'DatasetRegistered',
       ('{"byte_size":' || (1000000 + i * 37) || ',"checksum":{"algorithm":"sha256","value":"' || md5('a' || i) || md5('b' || i) || '"},'
        || '"dataset_id":"' || dataset_id || '","derived_from":[],"encoding":{"conforms_to":["https://manual.nexusformat.org/classes/applications/NXtomo.html"],'
        || '"media_type":"application/x-hdf5"},"intent":"Trial","name":"dataset load-' || i || '","occurred_at":"2026-01-01T00:00:00.000000Z",'
        || '"producing_run_end_state":null,"producing_run_id":null,"subject_id":null,'
        || '"uri":"s3://lab-raw-data/projects/beamline-7/2026/session-load-' || i || '/scan-0001.h5","used_calibrations":' || to_jsonb(calibrations)::text || '}')::jsonb,
       '{"actor_id":"b0000000-0000-4000-8000-000000000001","causation_id":null,"correlation_id":"17846854-879f-4362-abd1-c353e0517955","schema_version":1}'::jsonb,
       md5('corr' || i)::uuid, created_at, created_at
FROM source ORDER BY i;

INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, producing_run_id, subject_id, status, used_calibrations, created_at, updated_at)
SELECT dataset_id, 'dataset load-' || i, 's3://lab-raw-data/projects/beamline-7/2026/session-load-' || i || '/scan-0001.h5',
       NULL, NULL, 'Registered', calibrations, created_at, created_at
FROM source ORDER BY i;

INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent)
SELECT dataset_id, i, created_at, 'Registered', 'Trial' FROM source ORDER BY i;

INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at)
SELECT cited, created_at, dataset_id, i, created_at FROM source, unnest(calibrations) AS cited ORDER BY i;

DROP TABLE source;
VACUUM (ANALYZE) events, proj_data_dataset_summary, idempotency_keys, proj_data_dataset_states, proj_data_calibration_citations;
CHECKPOINT;
