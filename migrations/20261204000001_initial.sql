-- The stored records: enterprises, tenants (sites), extensions, DIDs, the shared
-- directory and admin API tokens. Written in the SQL that both SQLite and PostgreSQL run: ids are UUID
-- strings, timestamps RFC 3339 strings, limits BIGINT where NULL means unlimited.

CREATE TABLE enterprise (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    intersite_mode TEXT NOT NULL CHECK (intersite_mode IN ('disabled', 'prefix', 'direct')),
    access_prefix TEXT NOT NULL,
    max_sites BIGINT,
    max_users BIGINT,
    max_concurrent_calls BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE tenant (
    id TEXT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    enterprise_id TEXT REFERENCES enterprise (id) ON DELETE SET NULL,
    dialing_code TEXT,
    max_extensions BIGINT,
    max_dids BIGINT,
    max_queues BIGINT,
    max_external_calls BIGINT,
    contact_center BOOLEAN NOT NULL,
    ms_teams BOOLEAN NOT NULL,
    tag TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (enterprise_id, dialing_code)
);

CREATE INDEX tenant_enterprise ON tenant (enterprise_id);

CREATE TABLE extension (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    display_name TEXT NOT NULL,
    sip_password TEXT NOT NULL,
    voicemail_enabled BOOLEAN NOT NULL,
    voicemail_pin TEXT,
    internal_caller_id_name TEXT,
    internal_caller_id_number TEXT,
    outbound_caller_id_name TEXT,
    outbound_caller_id_number TEXT,
    enabled BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, number)
);

CREATE TABLE did (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    number TEXT NOT NULL UNIQUE,
    destination TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX did_tenant ON did (tenant_id);

CREATE TABLE directory_entry (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    number TEXT NOT NULL,
    site_tenant_id TEXT REFERENCES tenant (id) ON DELETE SET NULL,
    department TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX directory_entry_enterprise ON directory_entry (enterprise_id);

CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('platform', 'enterprise', 'site')),
    scope_id TEXT,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
