-- Correlated documents found by index. A step reads its run's documents (the
-- purchase order, the receipts, earlier invoices) as the events of a type
-- whose `document #>> path` equals the run's correlation key; without an
-- index that read went through every event of the type, on every step.
--
-- Templates are partners' own, so the paths are not known here: each
-- (event type, path) a deployed template correlates on is registered on first
-- use, and the events stored before then are indexed in that transaction
-- (see CorrelatedDocuments). From then on a trigger indexes every event as it
-- is stored, whichever way it arrives (API, webhook, replay, internal).
CREATE TABLE correlation_paths (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type text NOT NULL,
    -- Dotted, as the template writes it (`data.po_number`); its elements are the `#>>` path.
    path text NOT NULL,
    UNIQUE (event_type, path)
);

-- The key is `document #>> path`: the very text the lookup compares, so the
-- index finds what a scan would. No foreign key to events: events are never
-- deleted, and a check per indexed event would only slow ingest down.
CREATE TABLE event_correlation_keys (
    path_id integer NOT NULL REFERENCES correlation_paths,
    key text NOT NULL,
    event_seq bigint NOT NULL,
    PRIMARY KEY (path_id, key, event_seq)
);

-- Once per INSERT statement (a whole ingest batch), not once per row.
CREATE FUNCTION events_index_correlation_keys() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO event_correlation_keys (path_id, key, event_seq)
    SELECT p.id, n.document #>> string_to_array(p.path, '.'), n.seq
    FROM stored n JOIN correlation_paths p ON p.event_type = n.type
    WHERE n.document #>> string_to_array(p.path, '.') IS NOT NULL;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_index_correlation_keys
    AFTER INSERT ON events REFERENCING NEW TABLE AS stored
    FOR EACH STATEMENT EXECUTE FUNCTION events_index_correlation_keys();
