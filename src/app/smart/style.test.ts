import { applySmartStyle, cssVariableName, loadSmartStyle, styleVariables } from './style.js';

describe('SMART style', () => {
  it('keeps colours, lengths and fonts as CSS variables', () => {
    expect(
      styleVariables({
        color_background: '#edeae3',
        color_highlight: 'rgb(0, 94, 184)',
        dim_font_size: '13px',
        font_family_body: 'Arial, "Helvetica Neue", sans-serif',
        unknown_key: '#fff',
      }),
    ).toEqual({
      '--smart-color-background': '#edeae3',
      '--smart-color-highlight': 'rgb(0, 94, 184)',
      '--smart-dim-font-size': '13px',
      '--smart-font-family-body': 'Arial, "Helvetica Neue", sans-serif',
    });
  });

  it.each([
    ['color_text', 'red; background: url(x)'],
    ['color_text', 'expression(alert(1))'],
    ['dim_font_size', '13px; position: fixed'],
    ['font_family_body', 'Arial; } body { display: none'],
    ['color_background', 42],
  ])('drops an unsafe or odd %s', (key, value) => {
    expect(styleVariables({ [key]: value })).toEqual({});
  });

  it('reads nothing from something that is not an object', () => {
    expect(styleVariables(null)).toEqual({});
    expect(styleVariables(['#fff'])).toEqual({});
  });

  it('names variables after the keys', () => {
    expect(cssVariableName('color_modal_backdrop')).toBe('--smart-color-modal-backdrop');
  });

  it('loads a style, and gives {} without throwing when it cannot', async () => {
    const ok = (async () => new Response(JSON.stringify({ color_text: '#333' }))) as typeof fetch;
    expect(await loadSmartStyle('http://ehr.test/style.json', { fetch: ok })).toEqual({
      '--smart-color-text': '#333',
    });
    const missing = (async () => new Response('', { status: 404 })) as typeof fetch;
    expect(await loadSmartStyle('http://ehr.test/style.json', { fetch: missing })).toEqual({});
    const broken = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await loadSmartStyle('http://ehr.test/style.json', { fetch: broken })).toEqual({});
    expect(await loadSmartStyle(undefined)).toEqual({});
    expect(await loadSmartStyle('javascript:alert(1)')).toEqual({});
  });

  it('sets the variables on an element', () => {
    const set: Record<string, string> = {};
    applySmartStyle(
      { '--smart-color-text': '#333' },
      {
        style: {
          setProperty: (n, v) => {
            set[n] = v;
          },
        },
      },
    );
    expect(set).toEqual({ '--smart-color-text': '#333' });
  });
});
