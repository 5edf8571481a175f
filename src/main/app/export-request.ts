/**
 * The `runs.export` channel: writes an export with `exportRun` to the path given, or, without one,
 * returns a single-file export's bytes as a data: URL that the page offers as a download.
 *
 * NOTE: Electron asks where to save a download that has no save path set (its `will-download`
 * default), so the desktop app needs no save dialog of its own here. That path was not run on this
 * project's machines, which have no Electron binary; only the browser transport is tested.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { RequestOf, Results } from '../../shared/contract'
import { ExportError, exportRun } from '../export'
import type { RunStore } from '../store/run-store'
import { ServiceError } from './errors'

/** Formats that write one file, with its extension and MIME type for the download. */
const singleFile: Partial<Record<RequestOf<'runs.export'>['format'], { extension: string; mime: string }>> = {
  'png-grid': { extension: 'png', mime: 'image/png' },
  gif: { extension: 'gif', mime: 'image/gif' },
  apng: { extension: 'png', mime: 'image/apng' },
  csv: { extension: 'csv', mime: 'text/csv' },
  json: { extension: 'json', mime: 'application/json' },
}

function toServiceError(error: unknown): unknown {
  if (!(error instanceof ExportError)) return error
  const code = error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_REQUEST'
  return new ServiceError(code, error.message, [{ path: '', message: error.message }])
}

export async function handleExport(store: RunStore, request: RequestOf<'runs.export'>): Promise<Results['runs.export']> {
  const { runId, format, step, path } = request
  store.getRun(runId)
  if (path !== undefined) {
    try {
      const result = await exportRun(store, runId, { format, step, out: path })
      return { files: result.files, step: result.step, download: null }
    } catch (error) {
      throw toServiceError(error)
    }
  }

  const file = singleFile[format]
  if (!file) {
    throw new ServiceError('INVALID_REQUEST', `runs.export of ${format} writes several files, so it needs a path: give the folder to write them to`, [
      { path: 'path', message: `${format} needs a path` },
    ])
  }
  const folder = mkdtempSync(join(tmpdir(), 'ganwb-export-'))
  try {
    const out = join(folder, `run-${runId}-${format}.${file.extension}`)
    const result = await exportRun(store, runId, { format, step, out })
    const bytes = readFileSync(result.files[0])
    return {
      files: [],
      step: result.step,
      download: { name: basename(out), dataUrl: `data:${file.mime};base64,${bytes.toString('base64')}` },
    }
  } catch (error) {
    throw toServiceError(error)
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
