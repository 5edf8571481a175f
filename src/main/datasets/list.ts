/**
 * `listDatasets`: the built-in sets, the published sets (downloaded or not), sets found in system
 * folders such as Debian's /usr/share/datasets, and folders the user put in the datasets folder.
 * Listing reads folder names only, so it stays fast; `inspectDataset` gives the details.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { datasetsDir } from '../paths'
import { DOWNLOAD_NAMES, REMOTE_SOURCES } from './catalog'
import { DIGIT_COUNTS } from './digits'
import { downloadFolder, isDownloaded } from './download'
import { checkOptions, foundSystemSets } from './resolve'
import { TOY_LENGTH, TOY_NAMES, TOY_SPECS } from './toy-specs'
import type { DatasetOptions, DatasetOrigin } from './types'

export interface DatasetListing {
  name: string
  /** What to pass to `loadDataset` or `datasets inspect`. */
  ref: string
  /** 'downloadable' marks a published set that is not downloaded yet. */
  origin: DatasetOrigin | 'downloadable'
  kind: 'image' | 'points'
  description: string
  path: string | null
  /** Item count when known without reading the data. */
  count: number | null
}

export async function listDatasets(options: Pick<DatasetOptions, 'dataDir'> = {}): Promise<DatasetListing[]> {
  checkOptions(options)
  const listings: DatasetListing[] = [
    {
      name: 'digits',
      ref: 'digits',
      origin: 'built-in',
      kind: 'image',
      description: '10,000 real MNIST digits shipped with the app (28x28 grey, 10 classes)',
      path: null,
      count: DIGIT_COUNTS.reduce((sum, n) => sum + n, 0),
    },
  ]
  for (const name of TOY_NAMES) {
    listings.push({ name, ref: name, origin: 'built-in', kind: 'points', description: TOY_SPECS[name].description, path: null, count: TOY_LENGTH })
  }

  const system = await foundSystemSets()
  for (const name of DOWNLOAD_NAMES) {
    const source = REMOTE_SOURCES[name]
    const downloaded = await isDownloaded(source, options.dataDir)
    listings.push({
      name,
      ref: name,
      origin: downloaded ? 'downloaded' : system.has(name) ? 'found' : 'downloadable',
      kind: 'image',
      description: downloaded || system.has(name) ? source.title : `${source.title}, not downloaded yet`,
      path: downloaded ? downloadFolder(name, options.dataDir) : (system.get(name) ?? null),
      count: null,
    })
    // A system copy shadowed by a download stays reachable by its path.
    if (downloaded && system.has(name)) {
      listings.push({ name, ref: system.get(name)!, origin: 'found', kind: 'image', description: source.title, path: system.get(name)!, count: null })
    }
  }
  for (const [name, folder] of system) {
    if ((DOWNLOAD_NAMES as string[]).includes(name)) continue
    listings.push({ name, ref: name, origin: 'found', kind: 'image', description: `found in ${folder}`, path: folder, count: null })
  }

  // Folders placed in the datasets folder by hand (not downloads, not partial or staging folders).
  const own = datasetsDir(options.dataDir)
  let names: string[] = []
  try {
    names = await readdir(own)
  } catch {
    names = []
  }
  for (const name of names.sort()) {
    if ((DOWNLOAD_NAMES as string[]).includes(name) || name.startsWith('.') || name.endsWith('.partial') || system.has(name)) continue
    const folder = join(own, name)
    if (!(await stat(folder).catch(() => null))?.isDirectory()) continue
    listings.push({ name, ref: name, origin: 'found', kind: 'image', description: `folder in ${own}`, path: folder, count: null })
  }
  return listings
}
