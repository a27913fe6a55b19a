-- Where a refused payload came in, so that replaying it takes the same path
-- again instead of treating every payload as canonical events: a partner's
-- payload is mapped again with the source's mapping deployed at replay time,
-- an X12 interchange parsed again.

ALTER TABLE dead_letters
    -- 'canonical': POST /v1/events or a webhook source without a mapping;
    -- 'mapping': a webhook source with a deployed mapping; 'x12': POST /v1/edi.
    -- Deliveries keep 'canonical': they are requeued, never translated.
    ADD COLUMN origin text NOT NULL DEFAULT 'canonical' CHECK (origin IN ('canonical', 'mapping', 'x12')),
    -- The webhook source whose mapping applies; set exactly for 'mapping'.
    ADD COLUMN origin_source text,
    -- The Content-Type the payload was sent with, kept with it as lineage on replay.
    ADD COLUMN content_type text,
    ADD CONSTRAINT dead_letters_origin_source_check CHECK ((origin = 'mapping') = (origin_source IS NOT NULL));

-- Letters kept before origins were recorded name their translation in
-- ingress_detail ("<source> (mapping:<slug>@<version>)" or "… (x12)").
UPDATE dead_letters SET origin = 'x12' WHERE kind = 'event' AND ingress_detail LIKE '% (x12)';
UPDATE dead_letters SET origin = 'mapping', origin_source = split_part(ingress_detail, ' (mapping:', 1)
WHERE kind = 'event' AND ingress = 'webhook' AND ingress_detail LIKE '% (mapping:%)';
