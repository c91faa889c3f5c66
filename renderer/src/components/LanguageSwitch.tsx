/** The UI language (English / Deutsch), remembered on this machine (localStorage). */
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Language } from '../i18n/index.js';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <select className="input lang-switch" aria-label={t('app.language')} title={t('app.language')} data-testid="language" value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
      {LANGUAGES.map((l) => (
        <option key={l.id} value={l.id}>
          {l.label}
        </option>
      ))}
    </select>
  );
}
