import type { RunRecord } from '../store/types'
import { ConfigError, parseRunConfig, type RunConfig } from '../trainer/config'
import { ExportError } from './errors'

/** Validates the run's stored configuration, so exports read typed fields with their defaults. */
export function runConfig(run: RunRecord): RunConfig {
  try {
    return parseRunConfig(run.config)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    throw new ExportError('INVALID_ARGUMENT', `run ${run.id} has a stored configuration this version cannot read: ${error.message}`)
  }
}

/**
 * Escapes characters outside Latin-1 as \uXXXX, because PNG tEXt chunks hold Latin-1 only. The
 * escape keeps JSON text valid JSON.
 */
export function toLatin1(text: string): string {
  return text.replace(/[^\u0000-\u00ff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Builds the PNG text chunks of an exported image: the run, the step, the seed, the settings and the
 * source of the pixels (`stored grid`, or `checkpoint step N` when regenerated from weights).
 */
export function pngText(
  run: RunRecord,
  config: RunConfig,
  step: number | string,
  source: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const text: Record<string, string> = {
    Software: 'GAN Workbench',
    run: String(run.id),
    name: run.name,
    step: String(step),
    seed: String(config.seed),
    settings: JSON.stringify(config),
    source,
    ...extra,
  }
  return Object.fromEntries(Object.entries(text).map(([key, value]) => [key, toLatin1(value)]))
}
