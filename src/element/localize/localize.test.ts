import { describe, expect, it } from 'vitest';
import { en } from './en';
import { resolveLang, translator } from './localize';
import { zhCN } from './zh-CN';

describe('localisation', () => {
  it('zh-CN translates every English key (nothing silently falls back)', () => {
    const missing = Object.keys(en).filter((k) => !(k in zhCN));
    expect(missing).toEqual([]);
  });

  it('keeps the same {placeholders} in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(zhCN)) {
      expect(names(text ?? ''), key).toEqual(names(en[key as keyof typeof en]));
    }
  });

  it('host overrides win, then the language, then English', () => {
    const t = translator('zh-CN', { retry: 'Again!' });
    expect(t('retry')).toBe('Again!');
    expect(t('cancel')).toBe('取消');
    expect(translator('en')('cancel')).toBe('Cancel');
  });

  it('fills parameters and leaves unknown ones visible', () => {
    const t = translator('en');
    expect(t('challenges.progress', { index: 2, total: 3 })).toBe('Step 2 of 3');
    expect(t('challenges.progress', { index: 2 })).toBe('Step 2 of {total}');
  });

  it('auto picks the first supported browser language', () => {
    expect(resolveLang('auto', ['fr-FR', 'zh-TW', 'en'])).toBe('zh-CN');
    expect(resolveLang('auto', ['de', 'en-GB'])).toBe('en');
    expect(resolveLang('auto', ['de'])).toBe('en');
    expect(resolveLang('zh-CN', ['en'])).toBe('zh-CN');
    expect(resolveLang('zh-Hans', ['en'])).toBe('zh-CN');
    expect(resolveLang(null, ['zh'])).toBe('zh-CN');
  });
});
