import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { latestSchemaVersion, migrations, type Migration } from './migrations'

export class StoreError extends Error {
  constructor(
    readonly code: 'NEWER_SCHEMA' | 'MIGRATION_FAILED' | 'OPEN_FAILED' | 'NOT_FOUND' | 'INVALID',
    message: string,
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

export interface OpenOptions {
  /** better-sqlite3's native module to load, for Electron's ABI (see src/main/native.ts). */
  nativeBinding?: string
  readonly?: boolean
}

function checkMigrationOrder(list: readonly Migration[]): void {
  list.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${i + 1}: versions must count up from 1`)
    }
  })
}

/** Applies the migrations the file lacks, all in one transaction, so a failure leaves the file as it was. */
export function migrate(db: Database.Database, file: string, list: readonly Migration[] = migrations): void {
  checkMigrationOrder(list)
  const latest = list.length > 0 ? list[list.length - 1].version : 0
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > latest) {
    throw new StoreError(
      'NEWER_SCHEMA',
      `${file} was written by a newer version of GAN Workbench (schema ${current}; this version knows up to ${latest}). ` +
        'Update GAN Workbench, or open another database with --db FILE.',
    )
  }
  const pending = list.filter((migration) => migration.version > current)
  if (pending.length === 0) return
  const apply = db.transaction(() => {
    for (const migration of pending) {
      try {
        migration.up(db)
      } catch (error) {
        throw new StoreError('MIGRATION_FAILED', `migration ${migration.version} (${migration.name}) failed on ${file}: ${(error as Error).message}`)
      }
    }
    db.pragma(`user_version = ${pending[pending.length - 1].version}`)
  })
  apply.immediate()
}

/**
 * Opens (creating if needed) a run database: WAL journal so readers never block the writer and a killed
 * process loses at most the transaction in flight, foreign keys on, and the schema migrated.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  let db: Database.Database
  try {
    db = new Database(file, { nativeBinding: options.nativeBinding, readonly: options.readonly ?? false })
  } catch (error) {
    throw new StoreError('OPEN_FAILED', `cannot open the run database ${file}: ${(error as Error).message}`)
  }
  try {
    db.pragma('busy_timeout = 5000')
    if (!options.readonly) {
      db.pragma('journal_mode = WAL')
      // NORMAL is durable in WAL mode except for the last commits before a power loss, never corrupting.
      db.pragma('synchronous = NORMAL')
    }
    db.pragma('foreign_keys = ON')
    if (!options.readonly) migrate(db, file)
    else {
      const version = db.pragma('user_version', { simple: true }) as number
      if (version > latestSchemaVersion) migrate(db, file) // raises NEWER_SCHEMA
    }
    return db
  } catch (error) {
    db.close()
    throw error
  }
}
