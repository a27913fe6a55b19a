-- The tenant's workflow runtime: deployed template versions, runs, their
-- steps, human tasks and timers. Each step transition is one transaction
-- over these tables (plus outbox, audit log and usage counters).

-- A template version pinned into this tenant with its parameters. The
-- document is copied in, so runs never depend on another schema.
CREATE TABLE deployments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_slug text NOT NULL,
    template_version text NOT NULL,
    document jsonb NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- One active deployment per template; older ones keep serving their in-flight runs.
    active boolean NOT NULL DEFAULT true,
    deployed_by text NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX deployments_active_idx ON deployments (template_slug) WHERE active;

-- How far the engine has read the inbox: events after this start or wake runs.
CREATE TABLE engine_cursor (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_event_seq bigint NOT NULL DEFAULT 0
);
INSERT INTO engine_cursor DEFAULT VALUES;

CREATE TABLE runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    deployment_id uuid NOT NULL REFERENCES deployments,
    template_slug text NOT NULL,
    template_version text NOT NULL,
    correlation_key text NOT NULL,
    -- The event that started the run; a run is started once per trigger event.
    trigger_event_seq bigint NOT NULL REFERENCES events (seq),
    status text NOT NULL DEFAULT 'runnable'
        CHECK (status IN ('runnable', 'waiting', 'completed', 'exception', 'cancelled')),
    -- The step to execute next; NULL once the run has ended.
    current_step text,
    -- Variables and step results, by step id.
    context jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- What a waiting run waits for: correlated documents, a human task, or a timer.
    waiting_for text CHECK (waiting_for IN ('documents', 'task')),
    error text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    wait_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    UNIQUE (deployment_id, trigger_event_seq)
);

CREATE INDEX runs_runnable_idx ON runs (next_attempt_at) WHERE status = 'runnable';
CREATE INDEX runs_waiting_idx ON runs (correlation_key) WHERE status = 'waiting';
CREATE INDEX runs_template_idx ON runs (template_slug, created_at);

-- One row per executed step, in order: the run's timeline.
CREATE TABLE run_steps (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES runs ON DELETE CASCADE,
    step_id text NOT NULL,
    kind text NOT NULL,
    outcome text NOT NULL,
    result jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX run_steps_run_idx ON run_steps (run_id, id);

-- Human tasks (approvals): routed to a role by amount, decided by a user.
CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id uuid NOT NULL REFERENCES runs ON DELETE CASCADE,
    step_id text NOT NULL,
    title text NOT NULL,
    role text NOT NULL,
    amount_minor bigint,
    currency text,
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'approved', 'rejected', 'info_requested', 'cancelled')),
    -- Who may not decide it (segregation of duties), with the rule that says so.
    excluded_users jsonb NOT NULL DEFAULT '[]'::jsonb,
    claimed_by text,
    due_at timestamptz,
    -- Where the task goes when its SLA is breached.
    escalate_to text,
    escalated_at timestamptz,
    decided_by text,
    decided_at timestamptz,
    decision_comment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, step_id)
);

CREATE INDEX tasks_open_idx ON tasks (status, due_at) WHERE status = 'open';
