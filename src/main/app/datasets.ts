/** The dataset channels: the list the UI shows, and downloads that report progress as events. */
import type { BackendEvent, DatasetEntry } from '../../shared/contract'
import { downloadDataset, listDatasets, REMOTE_SOURCES, TOY_NAMES, type DatasetListing, type DownloadName } from '../datasets'
import { ServiceError } from './errors'
import type { Logger } from './log'

/** Item shape and class count of the sets known by name; sets found in folders are known only after inspection. */
function knownLayout(listing: DatasetListing): { shape: number[] | null; classes: number | null } {
  if ((TOY_NAMES as readonly string[]).includes(listing.ref)) return { shape: [2], classes: null }
  if (listing.ref === 'digits') return { shape: [1, 28, 28], classes: 10 }
  switch (listing.name) {
    case 'mnist':
    case 'fashion-mnist':
      return { shape: [1, 28, 28], classes: REMOTE_SOURCES[listing.name].classNames.length }
    case 'cifar10':
      return { shape: [3, 32, 32], classes: REMOTE_SOURCES.cifar10.classNames.length }
    default:
      return { shape: null, classes: null }
  }
}

/**
 * Lists the built-in, downloaded, found and hand-placed sets, and the published sets not downloaded
 * yet (origin 'downloadable'), which `datasets.download` fetches.
 */
export async function listDatasetEntries(dataDir: string): Promise<DatasetEntry[]> {
  const listings = await listDatasets({ dataDir })
  return listings.map((listing) => ({
    name: listing.name,
    ref: listing.ref,
    origin: listing.origin,
    kind: listing.kind,
    count: listing.count,
    ...knownLayout(listing),
  }))
}

/** Milliseconds between progress events of one download; the UI redraws its bar at this pace. */
const progressIntervalMs = 200

/** Downloads running in this process, one at most per set, each reporting `dataset.progress` events. */
export class Downloads {
  private readonly running = new Map<DownloadName, { controller: AbortController; finished: Promise<void> }>()

  constructor(
    private readonly dataDir: string,
    private readonly emit: (event: BackendEvent) => void,
    private readonly log: Logger,
  ) {}

  /** Starts downloading `name` and returns at once; progress, completion and failure arrive as events. */
  start(name: DownloadName): void {
    if (this.running.has(name)) throw new ServiceError('CONFLICT', `${name} is already downloading; wait for its dataset.progress event with done: true`)
    const controller = new AbortController()
    let lastEmit = 0
    let lastFraction = 0
    const progress = (fraction: number, message: string): void => {
      lastFraction = fraction
      const now = Date.now()
      if (now - lastEmit < progressIntervalMs) return
      lastEmit = now
      this.emit({ type: 'dataset.progress', name, fraction, message, done: false })
    }

    this.log.info(`download of ${name} started`)
    const finished = downloadDataset(name, { dataDir: this.dataDir, signal: controller.signal, onProgress: (p) => progress(p.fraction, p.message) })
      .then((result) => {
        this.log.info(`download of ${name} finished in ${result.folder}`)
        this.emit({ type: 'dataset.progress', name, fraction: 1, message: `Downloaded ${REMOTE_SOURCES[name].title}`, done: true })
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        this.log.error(`download of ${name} failed: ${message}`)
        this.emit({ type: 'dataset.progress', name, fraction: lastFraction, message: `Download of ${name} failed`, done: true, error: message })
      })
      .finally(() => this.running.delete(name))
    this.running.set(name, { controller, finished })
  }

  /** Cancels every download and waits until each has cleaned up. */
  async abortAll(): Promise<void> {
    const downloads = [...this.running.values()]
    for (const download of downloads) download.controller.abort()
    await Promise.all(downloads.map((download) => download.finished))
  }
}
