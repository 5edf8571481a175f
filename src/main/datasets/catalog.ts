/**
 * Published datasets the app knows by name: where to download them, their checksums and class names.
 * Checksums of the gzipped files are those torchvision lists for the same URLs; the MD5 of the
 * decompressed Fashion-MNIST files was checked against Debian's `dataset-fashion-mnist` package.
 */

export type DownloadName = 'mnist' | 'fashion-mnist' | 'cifar10'

export interface RemoteFile {
  name: string
  /** MD5 of the file as the server sends it. */
  md5: string
  /**
   * MD5 of the decompressed contents of a `.gz` file. Debian's package recompresses Fashion-MNIST
   * without the file name in the gzip header, which changes the file MD5 but not this one, so a
   * download is accepted when either matches.
   */
  contentMd5?: string
  /** Published size in bytes, used for progress before the server sends a length. */
  bytes: number
}

export interface RemoteSource {
  name: DownloadName
  title: string
  /** Folder URL that the file names are appended to. */
  baseUrl: string
  files: RemoteFile[]
  /** For archives: the members to extract (by base name) into the dataset folder. */
  extract?: string[]
  classNames: string[]
}

const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

export const FASHION_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

export const CIFAR10_MEMBERS = [
  'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin',
]

export const REMOTE_SOURCES: Record<DownloadName, RemoteSource> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    // The mirror PyTorch maintains, because yann.lecun.com often refuses downloads.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', bytes: 9_912_422 },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', bytes: 28_881 },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', bytes: 1_648_877 },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', bytes: 4_542 },
    ],
    classNames: DIGIT_CLASSES,
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', contentMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', bytes: 26_421_880 },
      { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe', contentMd5: '9018921c3c673c538a1fc5bad174d6f9', bytes: 29_515 },
      { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79', contentMd5: '8181f5470baa50b63fa0f6fddb340f0a', bytes: 4_422_102 },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310', contentMd5: '15d484375f8d13e6eb1aabb0c3f46965', bytes: 5_148 },
    ],
    classNames: FASHION_CLASSES,
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    baseUrl: 'https://www.cs.toronto.edu/~kriz/',
    files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', bytes: 170_052_171 }],
    extract: [...CIFAR10_MEMBERS, 'batches.meta.txt'],
    classNames: CIFAR10_CLASSES,
  },
}

export const DOWNLOAD_NAMES = Object.keys(REMOTE_SOURCES) as DownloadName[]

export function isDownloadName(name: string): name is DownloadName {
  return Object.hasOwn(REMOTE_SOURCES, name)
}

/** An IDX set recognised by the checksum of one of its labels files, so its class names can be shown. */
interface KnownIdxSet {
  title: string
  classNames: string[]
  /** MD5s of the labels files, gzipped (as published) or decompressed. */
  labelsMd5: string[]
}

const KNOWN_IDX_SETS: KnownIdxSet[] = [
  {
    title: 'MNIST',
    classNames: DIGIT_CLASSES,
    labelsMd5: ['d53e105ee54ea40749a09fcbcd1e9432', 'ec29112dd5afa0611ce80d1b7f02629c'],
  },
  {
    title: 'Fashion-MNIST',
    classNames: FASHION_CLASSES,
    labelsMd5: [
      '25c81989df183df01b3e8a0aad5dffbe', 'bb300cfdad3c16e7a12a480ee83cd310',
      '9018921c3c673c538a1fc5bad174d6f9', '15d484375f8d13e6eb1aabb0c3f46965',
    ],
  },
  {
    // Kuzushiji-MNIST; its class names are the romanised hiragana torchvision uses.
    title: 'KMNIST',
    classNames: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
    labelsMd5: ['e144d726b3acfaa3e44228e80efcd344', '7320c461ea6c1c855c0b718fb2a4b134'],
  },
]

/** Returns the published set whose labels file has one of these MD5s (stored or decompressed). */
export function identifyIdxLabels(md5s: readonly string[]): { title: string; classNames: string[] } | null {
  const match = KNOWN_IDX_SETS.find((set) => md5s.some((md5) => set.labelsMd5.includes(md5)))
  return match === undefined ? null : { title: match.title, classNames: match.classNames }
}

/** Folders of system packages searched for datasets without being asked (Debian's `dataset-*` packages). */
export const SYSTEM_DATASET_ROOTS = ['/usr/share/datasets']
