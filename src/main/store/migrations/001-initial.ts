import type { Migration } from './index'

/**
 * Runs, their per-step metrics, sample grids, events and checkpoints. Steps are training iterations
 * counted from 1; a forked run records its parent and the parent's step it started from.
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN
                        ('created', 'running', 'paused', 'completed', 'stopped', 'failed', 'interrupted')),
        config        TEXT NOT NULL,              -- JSON of the validated run configuration
        seed          INTEGER NOT NULL,
        dataset       TEXT NOT NULL,
        model         TEXT NOT NULL,
        backend       TEXT,
        device        TEXT,
        parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        parent_step   INTEGER,
        step          INTEGER NOT NULL DEFAULT 0, -- last completed step
        total_steps   INTEGER NOT NULL,
        seconds       REAL NOT NULL DEFAULT 0,    -- training time, pauses excluded
        pid           INTEGER,                    -- process training it while running
        error         TEXT,
        note          TEXT NOT NULL DEFAULT '',
        tags          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
        hidden        INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );

      CREATE TABLE metrics (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step        INTEGER NOT NULL,
        d_loss      REAL,
        g_loss      REAL,
        d_real      REAL,    -- mean D(x)
        d_fake      REAL,    -- mean D(G(z))
        grad_norm_g REAL,
        grad_norm_d REAL,
        leak_norm   REAL,    -- joint scheme: norm of lossG's gradient that reached D's parameters
        lr_g        REAL,
        lr_d        REAL,
        seconds     REAL,    -- wall time of this step
        extra       TEXT,    -- JSON of further metrics (quality metrics, health scores)
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;

      CREATE TABLE samples (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step    INTEGER NOT NULL,
        kind    TEXT NOT NULL CHECK (kind IN ('grid', 'points')),
        png     BLOB,        -- the image grid, for image sets
        data    TEXT,        -- JSON: fake points and D's decision surface, for 2-D sets
        PRIMARY KEY (run_id, step, kind)
      );

      CREATE TABLE events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step       INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        message    TEXT NOT NULL,
        data       TEXT,      -- JSON details, e.g. { "lrG": [2e-4, 4e-4] } for a change
        created_at TEXT NOT NULL
      );
      CREATE INDEX events_by_run ON events (run_id, step);

      CREATE TABLE checkpoints (
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step          INTEGER NOT NULL,
        generator     BLOB NOT NULL,   -- safetensors of G's stateDict
        discriminator BLOB NOT NULL,   -- safetensors of D's stateDict
        optimizers    BLOB NOT NULL,   -- safetensors of the optimizer state tensors
        state         TEXT NOT NULL,   -- JSON: optimizer hyperparameters, RNG and sampler state
        created_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
      );
    `)
  },
}
