import type { Database } from 'better-sqlite3'
import { migration001 } from './001-initial'

export interface Migration {
  /** The schema version this migration produces; versions count up from 1 without gaps. */
  version: number
  name: string
  up(db: Database): void
}

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export const migrations: readonly Migration[] = [migration001]

export const latestSchemaVersion = migrations[migrations.length - 1].version
