-- Who was active on which UTC day: one row per person per day, written in
-- the transaction of what made them active (deciding a task) or, for calls
-- with a personal token, when the API-call meter flushes. The active_users
-- meter counts these rows, so a recount derives it from here rather than
-- trusting the counter; the row also keeps a repeat from counting twice.
CREATE TABLE active_users (
    day date NOT NULL,
    -- The person's lower-case e-mail, as tasks.decided_by and personal tokens name them.
    user_ref text NOT NULL CHECK (length(user_ref) BETWEEN 1 AND 320),
    PRIMARY KEY (day, user_ref)
);
