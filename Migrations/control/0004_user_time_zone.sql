-- Each portal user's IANA time zone: every date the portal shows them is in it.
-- The CHECK keeps the column to the shape of an IANA name (Area/Location,
-- or UTC); the trigger asks the server's own zone database whether the name
-- exists, which a CHECK cannot (it may not read other tables). The portal
-- checks against Foundation's list too, so a name both know is the rule.
ALTER TABLE control.users
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
        CHECK (length(time_zone) <= 64 AND time_zone ~ '^(UTC|[A-Z][A-Za-z_-]*(/[A-Za-z0-9_+-]+){1,2})$');

CREATE FUNCTION control.check_user_time_zone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- 'UTC', the default, needs no look-up: inserts of users stay cheap.
    IF NEW.time_zone <> 'UTC' AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
        RAISE EXCEPTION 'unknown time zone %', NEW.time_zone USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_time_zone_known
    BEFORE INSERT OR UPDATE OF time_zone ON control.users
    FOR EACH ROW EXECUTE FUNCTION control.check_user_time_zone();
