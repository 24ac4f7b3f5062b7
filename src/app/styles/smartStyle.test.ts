/**
 * The EHR's SMART style (smart_style_url → --smart-* custom properties, src/app/smart/style.ts) takes
 * effect through app.css: every style key is used, always with the app's own look as the fallback,
 * and colours are used only where the contrast of text stays safe (see the comment in app.css).
 */
import { readFileSync } from 'node:fs';
import { cssVariableName, SMART_STYLE_KEYS, type SmartStyleKey } from '../smart/style.js';

const css = readFileSync('src/app/styles/app.css', 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');

/** Every `property: value` declaration with the selector of its rule. */
function declarations(): { selector: string; property: string; value: string }[] {
  const found: { selector: string; property: string; value: string }[] = [];
  for (const rule of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selector = (rule[1] ?? '').trim();
    for (const decl of (rule[2] ?? '').split(';')) {
      const at = decl.indexOf(':');
      if (at > 0)
        found.push({ selector, property: decl.slice(0, at).trim(), value: decl.slice(at + 1).trim() });
    }
  }
  return found;
}

const uses = (name: string) => declarations().filter((d) => d.value.includes(`var(${name}`));

describe('app.css uses the EHR’s SMART style', () => {
  it.each(Object.keys(SMART_STYLE_KEYS) as SmartStyleKey[])('%s is used, with a fallback', (key) => {
    const name = cssVariableName(key);
    expect(uses(name).length).toBeGreaterThan(0);
    for (const d of uses(name)) expect(d.value).toMatch(new RegExp(`var\\(${name},\\s*[^)\\s]`));
  });

  it('the EHR’s text and background colours are applied together, to the page', () => {
    for (const key of ['color_text', 'color_background'] as const) {
      expect(uses(cssVariableName(key)).map((d) => d.selector)).toEqual(['body']);
    }
  });

  it.each(['color_highlight', 'color_success', 'color_error', 'color_modal_backdrop'] as const)(
    '%s is used only for borders and the backdrop, never for text or behind text',
    (key) => {
      for (const d of uses(cssVariableName(key))) {
        expect(
          d.property.startsWith('border') ||
            (d.selector === '.fp-dialog-backdrop' && d.property === 'background'),
        ).toBe(true);
      }
    },
  );

  it('today’s look is the fallback', () => {
    expect(css).toContain('var(--smart-color-background, #f0f4f5)');
    expect(css).toContain('var(--smart-color-text, #212b32)');
    expect(css).toContain('var(--smart-dim-spacing-size, 12px)');
  });
});
