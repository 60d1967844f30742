-- What one GET /datasets/{id} runs on PostgreSQL: the stream load (PostgresEventRows.query).
\set i random(1, 1000000)
SELECT e.position, e.event_id, e.stream_type, e.stream_id, e.version, e.event_type, e.payload::text, e.metadata::text, (extract(epoch FROM e.occurred_at) * 1000000)::int8, (extract(epoch FROM e.recorded_at) * 1000000)::int8 FROM unnest(ARRAY['Dataset']::text[], ARRAY[md5('ds' || :i)::uuid]::uuid[]) AS wanted(stream_type, stream_id) JOIN events e ON e.stream_type = wanted.stream_type AND e.stream_id = wanted.stream_id ORDER BY e.position;
