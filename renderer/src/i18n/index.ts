/**
 * The UI's string catalogue (i18next + react-i18next): English and German, the operator's choice remembered in
 * localStorage. Screens call `useTranslation()` and `t('screen.key')`; every key exists in both catalogues (the type
 * of `de` is the shape of `en`, and test/renderer/i18n.test.ts checks it).
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { de } from './de.js';
import { en } from './en.js';

export const LANGUAGES = [
  { id: 'en', label: 'English' },
  { id: 'de', label: 'Deutsch' },
] as const;
export type Language = (typeof LANGUAGES)[number]['id'];

const STORAGE_KEY = 'station.ui.lang';

function storedLanguage(): Language {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v && LANGUAGES.some((l) => l.id === v)) return v as Language;
  } catch {
    // storage disabled: English
  }
  return 'en';
}

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: storedLanguage(),
  fallbackLng: 'en',
  // React escapes what it renders; the catalogue's values are plain text.
  interpolation: { escapeValue: false },
  // The catalogue is bundled: ready before the first render.
  initAsync: false,
});
document.documentElement.lang = i18n.language;

export function setLanguage(lang: Language): void {
  void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage full or disabled: the choice lasts until the tab closes
  }
}
