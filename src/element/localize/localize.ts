// Typed translation lookup: host overrides, then the chosen language, then English.

import { en, type Translation, type TranslationKey } from './en';
import { zhCN } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export type LangSetting = Lang | 'auto';
export type { Translation, TranslationKey };

const tables: Record<Lang, Partial<Translation>> = { en, 'zh-CN': zhCN };

/** `auto`: the first browser language we support; Chinese variants map to zh-CN. */
export function resolveLang(
  setting: string | null | undefined,
  preferred: readonly string[],
): Lang {
  if (setting === 'en' || setting === 'zh-CN') return setting;
  if (setting && setting !== 'auto') {
    if (setting.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (setting.toLowerCase().startsWith('en')) return 'en';
  }
  for (const tag of preferred) {
    const t = tag.toLowerCase();
    if (t.startsWith('zh')) return 'zh-CN';
    if (t.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Translate = (key: TranslationKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang, overrides: Partial<Translation> = {}): Translate {
  const table = tables[lang];
  return (key, params) => {
    const text = overrides[key] ?? table[key] ?? en[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in params ? String(params[name]) : m,
    );
  };
}
