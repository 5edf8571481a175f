/**
 * The UI text: i18next with the English and Simplified Chinese catalogues. `t` reads the current
 * language from reactive state, so every text in a template follows a language switch.
 */
import i18next from 'i18next'
import en from '../logic/locales/en'
import zhCN from '../logic/locales/zh-CN'
import { pickLanguage, type Language } from '../logic/language'

const storageKey = 'ganwb.language'

function readStored(): string | null {
  try {
    return localStorage.getItem(storageKey)
  } catch {
    return null // storage can be disabled; the system language applies then
  }
}

const instance = i18next.createInstance()

class Translator {
  language = $state<Language>(pickLanguage(readStored(), navigator.languages?.length ? navigator.languages : [navigator.language]))

  constructor() {
    void instance.init({
      lng: this.language,
      fallbackLng: 'en',
      resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
      // Resources are inline, so init finishes before it returns and the first render has text.
      initAsync: false,
      interpolation: { escapeValue: false }, // Svelte escapes text itself
      returnNull: false,
    })
    document.documentElement.lang = this.language
  }

  /** Switches the language and remembers the choice for the next start. */
  setLanguage(language: Language): void {
    this.language = language
    void instance.changeLanguage(language)
    document.documentElement.lang = language
    try {
      localStorage.setItem(storageKey, language)
    } catch {
      // The choice then lasts only for this window.
    }
  }

  t(key: string, params?: Record<string, unknown>): string {
    // Reading `language` makes every caller in a template depend on it.
    return instance.t(key, { ...params, lng: this.language }) as string
  }
}

export const i18n = new Translator()

/** Looks up a catalogue text in the current language; `params` fill its {{placeholders}}. */
export const t = (key: string, params?: Record<string, unknown>): string => i18n.t(key, params)

/** The BCP 47 tag for number and date formats. */
export const locale = (): string => i18n.language
