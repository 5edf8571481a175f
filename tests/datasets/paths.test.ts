import { describe, expect, it } from 'vitest'
import { appDataDir, datasetsDir } from '../../src/main/paths'

describe('appDataDir', () => {
  it('Linux uses XDG_CONFIG_HOME or ~/.config', () => {
    expect(appDataDir({ env: {}, platform: 'linux', home: '/home/ada' })).toBe('/home/ada/.config/GAN Workbench')
    expect(appDataDir({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', home: '/home/ada' })).toBe('/xdg/GAN Workbench')
  })

  it('macOS uses Application Support', () => {
    expect(appDataDir({ env: {}, platform: 'darwin', home: '/Users/ada' })).toBe('/Users/ada/Library/Application Support/GAN Workbench')
  })

  it('Windows uses APPDATA', () => {
    expect(appDataDir({ env: { APPDATA: 'C:/Users/ada/AppData/Roaming' }, platform: 'win32', home: 'C:/Users/ada' })).toMatch(
      /^C:\/Users\/ada\/AppData\/Roaming[\\/]GAN Workbench$/,
    )
  })

  it('GANWB_DATA_DIR overrides every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(appDataDir({ env: { GANWB_DATA_DIR: '/tmp/wb' }, platform, home: '/home/ada' })).toBe('/tmp/wb')
    }
  })

  it('datasets live under the data folder', () => {
    expect(datasetsDir('/tmp/wb')).toBe('/tmp/wb/datasets')
  })
})
