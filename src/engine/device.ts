export type Device = 'cpu' | 'cuda'

let device: Device = 'cpu'

/** The device every tensor lives on: 'cuda' under tfjs-node-gpu, 'cpu' otherwise. */
export function currentDevice(): Device {
  return device
}

export function setCurrentDevice(next: Device): void {
  device = next
}
