-- Workflow templates and source mappings published by partners.
--
-- The repository's Templates/ folder is the provider's shipped catalog; these
-- rows are each partner's own versions, which its tenants' deployments
-- resolve first. A published version never changes: deployments pin it by
-- slug and version, and a diff between two versions must mean the same thing
-- next year.
CREATE TABLE control.published_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partner_id uuid NOT NULL REFERENCES control.partners,
    kind text NOT NULL CHECK (kind IN ('template', 'mapping')),
    slug text NOT NULL CHECK (slug ~ '^[a-z][a-z0-9-]{1,62}$'),
    -- Semantic version without leading zeros; the numeric parts are kept
    -- beside it so that versions order as numbers (1.10.0 after 1.9.0).
    version text NOT NULL CHECK (version ~ '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$'),
    major integer NOT NULL,
    minor integer NOT NULL,
    patch integer NOT NULL,
    -- The document exactly as validated, and the SHA-256 (hex) of its
    -- serialized text, so that a copy elsewhere can be checked against it.
    document jsonb NOT NULL,
    checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    published_by text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, kind, slug, version),
    CHECK (version = major || '.' || minor || '.' || patch)
);

CREATE INDEX published_versions_order_idx
    ON control.published_versions (partner_id, kind, slug, major DESC, minor DESC, patch DESC);

-- A new version must be greater than every version the partner already
-- published of that slug. The publishing service checks this first, under a
-- lock on the partner row, to answer with a clear message; this trigger keeps
-- the rule true whatever writes the table.
CREATE FUNCTION control.published_versions_increase() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM control.published_versions
        WHERE partner_id = NEW.partner_id AND kind = NEW.kind AND slug = NEW.slug
          AND (major, minor, patch) >= (NEW.major, NEW.minor, NEW.patch)
    ) THEN
        RAISE EXCEPTION 'version % of % is not greater than the versions already published', NEW.version, NEW.slug
            USING ERRCODE = 'check_violation', CONSTRAINT = 'published_versions_increase';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER published_versions_increase
    BEFORE INSERT ON control.published_versions
    FOR EACH ROW EXECUTE FUNCTION control.published_versions_increase();

-- Published means final: updates and deletes are refused for every role,
-- owner included (a trigger, because privileges alone do not bind the
-- owner). A correction is a new version.
CREATE FUNCTION control.published_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published versions cannot be changed; publish a new version'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER published_versions_immutable
    BEFORE UPDATE OR DELETE OR TRUNCATE ON control.published_versions
    FOR EACH STATEMENT EXECUTE FUNCTION control.published_versions_immutable();
