-- What one POST /datasets/{id}/promote runs on PostgreSQL (DatasetTransition: load the stream, append
-- one event at the next version, touch the summary row, add the state row). Client k works on datasets i = k+1 (mod 64),
-- so concurrent clients never race for one stream (the service would retry such a conflict).
-- The next version comes from a subquery here; the service knows it from the stream it just read.
\set i 1 + :client_id + 64 * random(0, 15600)
BEGIN;
SELECT e.position, e.event_id, e.stream_type, e.stream_id, e.version, e.event_type, e.payload::text, e.metadata::text, (extract(epoch FROM e.occurred_at) * 1000000)::int8, (extract(epoch FROM e.recorded_at) * 1000000)::int8 FROM unnest(ARRAY['Dataset']::text[], ARRAY[md5('ds' || :i)::uuid]::uuid[]) AS wanted(stream_type, stream_id) JOIN events e ON e.stream_type = wanted.stream_type AND e.stream_id = wanted.stream_id ORDER BY e.position;
INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at) VALUES (gen_random_uuid(), 'Dataset', md5('ds' || :i)::uuid, (SELECT max(version) + 1 FROM events WHERE stream_type = 'Dataset' AND stream_id = md5('ds' || :i)::uuid), 'DatasetPromoted', ('{"dataset_id":"' || md5('ds' || :i)::uuid || '","occurred_at":"2026-11-25T21:03:20.943248Z","reason":"QC passed: motion under 2 px, SNR above 12, no dropped frames"}')::jsonb, '{"actor_id":"b0000000-0000-4000-8000-000000000001","causation_id": null,"correlation_id":"17846854-879f-4362-abd1-c353e0517955","schema_version":1}'::jsonb, gen_random_uuid(), now(), now()) RETURNING position;
UPDATE proj_data_dataset_summary SET updated_at = now() WHERE dataset_id = md5('ds' || :i)::uuid;
INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent) VALUES (md5('ds' || :i)::uuid, currval('events_position_seq'), now(), NULL, 'Production') ON CONFLICT DO NOTHING;
COMMIT;
