-- Reminders before an approval task's SLA due time: one row per reminder,
-- written with the task. The engine's timer sweep sends each due reminder
-- (an internal `task.reminder` event, its outbox messages and an audit entry)
-- in the transaction that sets sent_at, so a reminder goes out once however
-- often the sweep is retried or a worker dies.
CREATE TABLE task_reminders (
    task_id uuid NOT NULL REFERENCES tasks ON DELETE CASCADE,
    -- How long before the task's due time, in seconds (the template's remind_before_hours).
    before_seconds integer NOT NULL CHECK (before_seconds > 0),
    remind_at timestamptz NOT NULL,
    sent_at timestamptz,
    PRIMARY KEY (task_id, before_seconds)
);

-- The sweep reads only reminders still to send; deciding a task deletes its unsent ones.
CREATE INDEX task_reminders_due_idx ON task_reminders (remind_at) WHERE sent_at IS NULL;
