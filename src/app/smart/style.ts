/**
 * SMART `smart_style_url`: the EHR's suggested colours, fonts and sizes (SMART App Launch 2.2,
 * experimental "context-style"), fetched once and exposed to the UI as CSS custom properties
 * (`--smart-color-background`, `--smart-font-family-body`, …). Only values that look like a colour,
 * a length or a font list are kept, so a style file cannot inject other CSS. A style that cannot be
 * fetched or read is not a failure: the app keeps its own NHS.UK look.
 */

export const SMART_STYLE_KEYS = {
  color_background: 'color',
  color_error: 'color',
  color_highlight: 'color',
  color_modal_backdrop: 'color',
  color_success: 'color',
  color_text: 'color',
  dim_border_radius: 'length',
  dim_font_size: 'length',
  dim_spacing_size: 'length',
  font_family_body: 'font',
  font_family_heading: 'font',
} as const;

export type SmartStyleKey = keyof typeof SMART_STYLE_KEYS;

/** CSS custom property name for a style key: `color_background` → `--smart-color-background`. */
export function cssVariableName(key: SmartStyleKey): string {
  return `--smart-${key.replaceAll('_', '-')}`;
}

const CHECK: Record<'color' | 'length' | 'font', RegExp> = {
  color: /^(#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|(?:rgb|rgba|hsl|hsla)\([0-9.,%\s/]+\)|[a-z]{3,20})$/i,
  length: /^(0|\d{1,4}(\.\d{1,3})?(px|rem|em|%|pt))$/,
  font: /^[A-Za-z0-9 ,'"-]{1,200}$/,
};

/** The CSS variables a parsed style JSON gives; unknown keys and unsafe values are dropped. */
export function styleVariables(json: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return vars;
  for (const [key, kind] of Object.entries(SMART_STYLE_KEYS) as [SmartStyleKey, keyof typeof CHECK][]) {
    const value = (json as Record<string, unknown>)[key];
    if (typeof value !== 'string') continue;
    const trimmed = value.trim();
    if (CHECK[kind].test(trimmed)) vars[cssVariableName(key)] = trimmed;
  }
  return vars;
}

/** Fetches and reads the style; `{}` when it cannot (never throws). */
export async function loadSmartStyle(
  url: string | undefined,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<Record<string, string>> {
  if (!url || !/^https?:\/\//i.test(url)) return {};
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 3000);
  try {
    const res = await doFetch(url, { signal: controller.signal, headers: { Accept: 'application/json' } });
    if (!res.ok) return {};
    return styleVariables(await res.json());
  } catch {
    return {};
  } finally {
    clearTimeout(timer);
  }
}

/** Sets the variables on an element (the app's root, or document.documentElement). */
export function applySmartStyle(
  vars: Record<string, string>,
  element: { style: { setProperty(name: string, value: string): void } },
): void {
  for (const [name, value] of Object.entries(vars)) element.style.setProperty(name, value);
}
