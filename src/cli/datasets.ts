/**
 * `datasets list`, `datasets inspect` and `datasets download`. Human-readable output by default;
 * `--json` prints one JSON document on stdout and nothing else. A failure sets exit code 1 and prints
 * the error (as `{ "error": ... }` with `--json`).
 */
import { Option, type Command } from 'commander'
import cliProgress from 'cli-progress'
import { DatasetError } from '../main/datasets/errors'
import { inspectDataset } from '../main/datasets/inspect'
import { listDatasets } from '../main/datasets/list'
import { downloadDataset } from '../main/datasets/download'
import { DOWNLOAD_NAMES } from '../main/datasets/catalog'
import type { DatasetProgress } from '../main/datasets/types'
import { formatListing, formatSummary } from './datasets-format'

interface CommonFlags {
  json?: boolean
  dataDir?: string
}

interface InspectFlags extends CommonFlags {
  split?: 'train' | 'test'
  size?: string
  channels?: string
  checksum: boolean
}

interface DownloadFlags extends CommonFlags {
  baseUrl?: string
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Runs a command body, turning any error into a message (or JSON) and exit code 1. */
async function run(flags: CommonFlags, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    process.exitCode = 1
    const known = error instanceof DatasetError
    if (flags.json) {
      const detail = known ? error.toJSON() : { code: 'INTERNAL', message: (error as Error).message, file: null, fix: null }
      printJson({ error: detail })
    } else if (known) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`)
    } else {
      process.stderr.write(`internal error: ${(error as Error).stack ?? String(error)}\n`)
    }
  }
}

function parseChoice<T extends number>(value: string | undefined, choices: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value) as T
  if (!choices.includes(parsed)) {
    throw new DatasetError('INVALID_OPTION', `${flag} must be one of ${choices.join(', ')}, got '${value}'`)
  }
  return parsed
}

/** Shows download progress as a bar on a terminal, and as one line per file otherwise. */
function progressDisplay(json: boolean): { update(progress: DatasetProgress & { bytes: number; totalBytes: number }): void; stop(): void } {
  if (json) return { update() {}, stop() {} }
  if (!process.stderr.isTTY) {
    let last = ''
    return {
      update(progress) {
        if (progress.message === last) return
        last = progress.message
        process.stderr.write(`${progress.message}\n`)
      },
      stop() {},
    }
  }
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {percentage}% | {done} / {total_mb} MB | {message}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(progress) {
      const values = { message: progress.message, done: (progress.bytes / 1e6).toFixed(1), total_mb: (progress.totalBytes / 1e6).toFixed(1) }
      if (!started) {
        bar.start(1000, 0, values)
        started = true
      }
      bar.update(Math.round(progress.fraction * 1000), values)
    },
    stop() {
      if (started) bar.stop()
      started = false
    },
  }
}

export function registerDatasetCommands(program: Command): void {
  const datasets = program.command('datasets').description('list, inspect and download datasets')

  datasets
    .command('list')
    .description('list the built-in sets, sets found on this machine and downloaded or downloadable sets')
    .option('--json', 'print JSON only')
    .option('--data-dir <folder>', 'app data folder (default: GANWB_DATA_DIR or the app folder)')
    .action((flags: CommonFlags) =>
      run(flags, async () => {
        const listings = await listDatasets({ dataDir: flags.dataDir })
        if (flags.json) printJson(listings)
        else process.stdout.write(formatListing(listings))
      }),
    )

  datasets
    .command('inspect')
    .description('summarise a dataset (count, shape, classes, files, checksum) and check it for errors')
    .argument('<path-or-name>', 'a built-in, found or downloaded set name, or a file or folder')
    .option('--json', 'print JSON only')
    .addOption(new Option('--split <split>', 'part of a set with a train/test split').choices(['train', 'test']))
    .option('--size <pixels>', 'output image side: 28, 32 or 64 (default: the stored size; 64 for image folders)')
    .option('--channels <count>', 'output channels: 1 (grey) or 3 (RGB) (default: as stored; 3 for image folders)')
    .option('--no-checksum', 'skip reading every file for MD5 and SHA-256 checksums')
    .option('--data-dir <folder>', 'app data folder (default: GANWB_DATA_DIR or the app folder)')
    .action((ref: string, flags: InspectFlags) =>
      run(flags, async () => {
        const summary = await inspectDataset(ref, {
          split: flags.split,
          imageSize: parseChoice(flags.size, [28, 32, 64] as const, '--size'),
          channels: parseChoice(flags.channels, [1, 3] as const, '--channels'),
          checksum: flags.checksum,
          dataDir: flags.dataDir,
        })
        if (flags.json) printJson(summary)
        else process.stdout.write(formatSummary(summary))
      }),
    )

  datasets
    .command('download')
    .description(`download a published set into the app data folder, checking its checksum (${DOWNLOAD_NAMES.join(', ')})`)
    .argument('<name>', DOWNLOAD_NAMES.join(', '))
    .option('--json', 'print JSON only')
    .option('--base-url <url>', 'fetch from <url>/<name>/<file> instead of the official address (default: GANWB_DOWNLOAD_BASE_URL)')
    .option('--data-dir <folder>', 'app data folder (default: GANWB_DATA_DIR or the app folder)')
    .action((name: string, flags: DownloadFlags) =>
      run(flags, async () => {
        const display = progressDisplay(flags.json === true)
        try {
          const result = await downloadDataset(name, { dataDir: flags.dataDir, baseUrl: flags.baseUrl, onProgress: (p) => display.update(p) })
          display.stop()
          if (flags.json) printJson(result)
          else process.stdout.write(`${result.name} is ready in ${result.folder}${result.reused.length > 0 ? ` (${result.reused.length} files were already there)` : ''}\n`)
        } finally {
          display.stop()
        }
      }),
    )
}
