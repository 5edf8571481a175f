/** Plain-text layouts of dataset summaries and listings for the terminal. */
import { basename } from 'node:path'
import type { DatasetListing } from '../main/datasets/list'
import type { DatasetSummary } from '../main/datasets/types'

const count = (value: number): string => value.toLocaleString('en-US')

function field(label: string, value: string): string {
  return `  ${label.padEnd(10)} ${value}\n`
}

export function formatSummary(summary: DatasetSummary): string {
  const title = [summary.knownAs, summary.split === null ? null : `${summary.split} split`].filter(Boolean).join(', ')
  let text = `${summary.name}${title ? `  (${title})` : ''}\n`
  text += field('origin', summary.path === null ? summary.origin : `${summary.origin}, ${summary.path}`)
  text += field('format', summary.format)
  text += field('count', `${count(summary.count)} ${summary.kind === 'image' ? 'images' : 'points per epoch (drawn on demand)'}`)

  if (summary.kind === 'image') {
    const stored = summary.storedShape === null ? '' : `  (stored ${summary.storedShape.join(' x ')})`
    text += field('shape', `${summary.shape.join(' x ')} (C x H x W, ${summary.channels === 1 ? 'grey' : 'RGB'})${stored}`)
  } else {
    text += field('shape', '2 (x, y)')
  }

  if (summary.modes !== undefined) {
    const centres = summary.modes.centres.map(([x, y]) => `(${x.toFixed(2)}, ${y.toFixed(2)})`)
    const listed = centres.length > 8 ? `${centres.slice(0, 8).join(' ')} ...` : centres.join(' ')
    text += field('modes', `${centres.length} Gaussians, std ${summary.modes.std}: ${listed}`)
  }

  if (summary.classes === null) {
    text += field('classes', summary.kind === 'image' ? 'none (unlabelled)' : 'none')
  } else {
    text += field('classes', String(summary.classes.length))
    const width = Math.max(...summary.classes.map((entry) => entry.name.length))
    for (const entry of summary.classes) {
      text += `             ${String(entry.index).padStart(3)}  ${entry.name.padEnd(width)}  ${count(entry.count).padStart(8)}\n`
    }
  }

  for (const [index, file] of summary.files.entries()) {
    const md5 = file.md5 === null ? '' : `  md5 ${file.md5}`
    text += field(index === 0 ? 'files' : '', `${basename(file.path)}  ${count(file.bytes)} bytes${md5}`)
  }
  if (summary.checksum !== null) text += field('checksum', `sha256 ${summary.checksum}`)
  for (const [index, warning] of summary.warnings.entries()) text += field(index === 0 ? 'warnings' : '', warning)
  for (const [index, skipped] of summary.skipped.entries()) text += field(index === 0 ? 'skipped' : '', `${skipped.path}: ${skipped.reason}`)
  return text
}

export function formatListing(listings: readonly DatasetListing[]): string {
  const rows = listings.map((entry) => [entry.ref, entry.origin, entry.kind, entry.count === null ? '' : count(entry.count), entry.path ?? entry.description])
  const header = ['name', 'origin', 'kind', 'count', 'path or description']
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
  const line = (cells: string[]): string => `${cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`
  let text = line(header)
  for (const row of rows) text += line(row)
  if (listings.some((entry) => entry.origin === 'downloadable')) {
    text += '\nDownload a set with: npm run cli -- datasets download <name>\n'
  }
  return text
}
