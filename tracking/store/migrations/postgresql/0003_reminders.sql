-- Reminders (PostgreSQL): a small table records when each sending process last ran, so an admin can see that
-- the scheduler is alive and where its emails go.

CREATE TABLE sender_runs (
    runner VARCHAR PRIMARY KEY,              -- 'scheduler' or 'remind'
    host VARCHAR NOT NULL,
    pid INTEGER NOT NULL,
    transport VARCHAR NOT NULL,              -- where emails go: smtp://host:port or the .eml folder
    last_run_at TIMESTAMP NOT NULL,
    queued INTEGER NOT NULL                  -- emails that run put into the outbox
);
