/**
 * NHS.UK frontend's CSS loads the Frutiger web font from the NHS website. The app runs inside EHRs
 * whose networks and content policies may not allow that (and the sandbox and tests have no network,
 * where the font requests hang until they time out), so both the app build and the sandbox pages drop
 * the `@font-face` rules; text falls back to Arial, as NHS.UK itself does.
 */
export function withoutWebFonts(css: string): string {
  return css.replace(/@font-face\s*\{[^}]*\}/g, '');
}
