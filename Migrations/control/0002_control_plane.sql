-- The control plane's model: partners and their brands, tenants, users,
-- sessions, API credentials and webhook secrets.
-- Secrets are never stored in clear: API keys as SHA-256 hashes (they are
-- high-entropy random tokens, so a slow hash adds nothing), webhook secrets
-- and tenant database passwords sealed with AES-256-GCM under the master key,
-- which itself never enters the database.

CREATE TABLE control.partners (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]{1,40}$'),
    kind text NOT NULL CHECK (kind IN ('msp', 'erp_partner', 'si')),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    -- Logo: inline SVG (sanitized before it is stored) or an image with its type.
    logo_svg text,
    logo_image bytea,
    logo_content_type text CHECK (logo_content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    primary_color text NOT NULL DEFAULT '#1f4e79' CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
    accent_color text NOT NULL DEFAULT '#f2a900' CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
    support_email text NOT NULL CHECK (support_email ~ '^[^@\s]+@[^@\s]+$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (logo_image IS NULL OR logo_content_type IS NOT NULL)
);

-- Custom portal domains, one row each so that a domain can belong to one partner only.
CREATE TABLE control.partner_domains (
    domain text PRIMARY KEY CHECK (domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    partner_id uuid NOT NULL REFERENCES control.partners ON DELETE CASCADE
);

CREATE TABLE control.tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partner_id uuid NOT NULL REFERENCES control.partners,
    -- Names schema and login role t_<slug>.
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]{1,40}$'),
    legal_name text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 300),
    status text NOT NULL DEFAULT 'provisioning'
        CHECK (status IN ('provisioning', 'active', 'suspended', 'deleting', 'deleted')),
    plan text,
    -- Password of the tenant's login role, sealed (AES-256-GCM box with key id).
    db_password_sealed bytea,
    -- Deleting needs a confirmation token: its hash and when it was issued.
    deletion_token_hash bytea,
    deletion_requested_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    suspended_at timestamptz,
    deleted_at timestamptz
);

CREATE INDEX tenants_partner_idx ON control.tenants (partner_id, slug);

CREATE TABLE control.users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Whom the user belongs to: the provider, one partner, or one tenant.
    scope text NOT NULL CHECK (scope IN ('provider', 'partner', 'tenant')),
    partner_id uuid REFERENCES control.partners,
    tenant_id uuid REFERENCES control.tenants,
    email text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    display_name text NOT NULL,
    -- $scrypt$ln=…,r=…,p=…$salt$hash; NULL until the user sets a password.
    password_hash text,
    roles text[] NOT NULL CHECK (roles <@ ARRAY[
        'provider_ops', 'partner_admin', 'partner_publisher', 'ap_clerk', 'ap_manager', 'controller',
        'warehouse_lead', 'auditor', 'tenant_admin']::text[]),
    -- Largest amount this user may approve, in minor units of approval_currency.
    approval_limit_minor bigint CHECK (approval_limit_minor >= 0),
    approval_currency text CHECK (approval_currency ~ '^[A-Z]{3}$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email),
    CHECK ((scope = 'provider' AND partner_id IS NULL AND tenant_id IS NULL)
        OR (scope = 'partner' AND partner_id IS NOT NULL AND tenant_id IS NULL)
        OR (scope = 'tenant' AND tenant_id IS NOT NULL)),
    CHECK ((approval_limit_minor IS NULL) = (approval_currency IS NULL))
);

CREATE TABLE control.sessions (
    -- SHA-256 of the session token; the token itself lives only in the cookie.
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES control.users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE INDEX sessions_user_idx ON control.sessions (user_id);

CREATE TABLE control.api_credentials (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Public part of the key (cs_<env>_<id>), shown in lists and logs.
    key_prefix text NOT NULL UNIQUE,
    -- SHA-256 of the whole key.
    key_hash bytea NOT NULL,
    name text NOT NULL DEFAULT '',
    tenant_id uuid REFERENCES control.tenants,
    partner_id uuid REFERENCES control.partners,
    -- A personal token acts as this user with the user's roles.
    user_id uuid REFERENCES control.users,
    scopes text[] NOT NULL DEFAULT '{}',
    ip_allow cidr[] NOT NULL DEFAULT '{}',
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    -- During rotation the replaced key stays valid until this time.
    replaced_by uuid REFERENCES control.api_credentials,
    valid_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (tenant_id IS NOT NULL OR partner_id IS NOT NULL)
);

CREATE TABLE control.webhook_secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES control.tenants,
    source text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_-]{0,62}$'),
    -- AES-256-GCM sealed box of the raw secret bytes, with the master key's id.
    secret_sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer secret replaces this one: accepted until then.
    valid_until timestamptz,
    revoked_at timestamptz
);

CREATE INDEX webhook_secrets_source_idx ON control.webhook_secrets (tenant_id, source, created_at DESC);

-- Creates or updates a tenant's login role. A function so that the password
-- reaches the server as a bound parameter: ALTER ROLE takes no parameters,
-- and the quoting happens here, server-side, with format(%I, %L).
-- NOINHERIT and no CREATEDB/CREATEROLE: the role can do only what is granted
-- on its own schema.
CREATE FUNCTION control.ensure_tenant_role(role_name text, password text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF role_name !~ '^t_[a-z][a-z0-9_]{1,40}$' THEN
        RAISE EXCEPTION 'invalid tenant role name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOREPLICATION', role_name);
    END IF;
    EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', role_name, password);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', role_name, role_name);
END;
$$;

-- Least privilege on the database itself: only roles granted CONNECT (the
-- platform and each tenant's role) may connect, and nobody else may create
-- temporary tables. Tenant roles can still read pg_catalog (object names,
-- not data): PostgreSQL offers no per-role way to hide it.
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END;
$$;
