/** The UI languages and how the first one is chosen. */

export const languages = ['en', 'zh-CN'] as const
export type Language = (typeof languages)[number]

export const languageNames: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' }

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value)
}

/**
 * Picks the UI language: the one the person chose before, else the first system language that is
 * Chinese (any zh tag maps to Simplified Chinese, the only Chinese catalogue) or English.
 */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored
  for (const tag of preferred) {
    const lower = tag.toLowerCase()
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN'
    if (lower === 'en' || lower.startsWith('en-')) return 'en'
  }
  return 'en'
}
