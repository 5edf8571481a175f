/**
 * Extracts chosen members of a `.tar.gz` archive into a folder with node-tar, flattening their
 * paths. Used for the CIFAR-10 archive, whose files sit under `cifar-10-batches-bin/`.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import { basename } from 'node:path'
import { extract } from 'tar'
import { DatasetError } from './errors'

/**
 * Writes the regular-file members whose base names are in `members` into `folder` (created if
 * needed) and raises DOWNLOAD_FAILED if any is missing. node-tar rejects absolute and `..` paths.
 */
export async function extractMembers(archive: string, folder: string, members: readonly string[]): Promise<void> {
  await mkdir(folder, { recursive: true })
  const wanted = new Set(members)
  try {
    await extract({
      file: archive,
      cwd: folder,
      strict: true,
      // node-tar filters on the archive path, then calls onReadEntry before writing, where the path is
      // cut to its base name so the files land in `folder` whatever directory the archive uses.
      filter: (path, entry) => 'type' in entry && entry.type === 'File' && wanted.has(basename(path)),
      onReadEntry: (entry) => {
        entry.path = basename(entry.path)
      },
    })
  } catch (error) {
    throw new DatasetError('DOWNLOAD_FAILED', `could not extract the archive: ${(error as Error).message}`, {
      file: archive,
      fix: 'delete the archive and download it again',
      cause: error,
    })
  }
  const present = new Set(await readdir(folder))
  const missing = members.filter((member) => !present.has(member))
  if (missing.length > 0) {
    await rm(folder, { recursive: true, force: true })
    throw new DatasetError('DOWNLOAD_FAILED', `the archive lacks ${missing.join(', ')}`, {
      file: archive,
      fix: 'delete the archive and download it again from the official address',
    })
  }
}
