/**
 * An image dataset held as bytes in JavaScript memory. Tensors exist only per batch, so the caller's
 * `torch.scope` frees them with the rest of the step.
 */
import { tensor } from '../../engine'
import { DatasetError } from './errors'
import { ImageConverter, type ImageLayout, toBytes } from './transform'
import type { Batch, Dataset, DatasetSummary } from './types'

export interface ImageStore {
  /** (N, C, H, W) bytes. */
  pixels: Uint8Array
  count: number
  layout: ImageLayout
  /** (N,) class indices, or null for unlabelled sets. */
  labels: Uint8Array | Int32Array | null
  classNames: string[] | null
}

export class ImageDataset implements Dataset {
  readonly kind = 'image' as const
  readonly summary: DatasetSummary
  readonly length: number
  readonly numClasses: number | null
  readonly classNames: string[] | null
  readonly imageShape: [number, number, number]
  private readonly store: ImageStore
  private readonly converter: ImageConverter

  constructor(summary: DatasetSummary, store: ImageStore, target: ImageLayout) {
    const expectedBytes = store.count * store.layout.channels * store.layout.height * store.layout.width
    if (store.pixels.length < expectedBytes) {
      throw new RangeError(`image store holds ${store.pixels.length} bytes but ${store.count} images need ${expectedBytes}`)
    }
    if (store.labels !== null && store.labels.length !== store.count) {
      throw new RangeError(`image store has ${store.count} images but ${store.labels.length} labels`)
    }
    this.summary = summary
    this.store = store
    this.length = store.count
    this.classNames = store.classNames
    this.numClasses = store.classNames === null ? null : store.classNames.length
    this.converter = new ImageConverter(store.layout, target)
    this.imageShape = [target.channels, target.height, target.width]
  }

  batch(indices: Int32Array | readonly number[]): Batch {
    const count = indices.length
    const converter = this.converter
    const values = new Float32Array(count * converter.targetSize)
    const labels = this.store.labels === null ? null : new Int32Array(count)
    for (let i = 0; i < count; i++) {
      const index = this.checkIndex(indices[i])
      converter.convert(this.store.pixels, index * converter.sourceSize, values, i * converter.targetSize)
      if (labels !== null) labels[i] = this.store.labels![index]
    }
    const x = tensor(values, { shape: [count, ...this.imageShape] }) // (N, C, H, W)
    const y = labels === null ? null : tensor(labels, { dtype: 'int32', shape: [count] }) // (N,)
    return { x, y }
  }

  /** Returns one image as (C, H, W) bytes in the dataset's output layout, for previews and tests. */
  getImage(index: number): Uint8Array {
    const values = new Float32Array(this.converter.targetSize)
    this.converter.convert(this.store.pixels, this.checkIndex(index) * this.converter.sourceSize, values, 0)
    return toBytes(values)
  }

  /** Returns the class index of one item, or null for unlabelled sets. */
  getLabel(index: number): number | null {
    return this.store.labels === null ? null : this.store.labels[this.checkIndex(index)]
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new DatasetError('INVALID_OPTION', `index ${index} is out of range for a dataset of ${this.length} items`)
    }
    return index
  }
}
