import { readFileSync } from 'node:fs';
import { withoutWebFonts } from './withoutWebFonts.js';

describe('withoutWebFonts', () => {
  it('drops every @font-face rule from NHS.UK frontend and nothing else', () => {
    const css = readFileSync('node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css', 'utf8');
    expect(css).toContain('https://assets.nhs.uk/fonts/');
    const stripped = withoutWebFonts(css);
    expect(stripped).not.toContain('@font-face');
    expect(stripped).not.toContain('assets.nhs.uk');
    expect(stripped).toContain('.nhsuk-button');
    expect(withoutWebFonts('a{color:red}@font-face{src:url(x.woff2)}b{margin:0}')).toBe(
      'a{color:red}b{margin:0}',
    );
  });
});
