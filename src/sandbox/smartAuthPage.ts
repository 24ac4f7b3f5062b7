/**
 * The sandbox authorization server's two HTML pages: the clinician picker (who is signing in) and the
 * error page shown when an authorization request cannot safely be sent back to the app (unknown
 * client or redirect URI). Plain, accessible HTML: one form, a fieldset with a legend, labelled radio
 * buttons, no script.
 */

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  body { font-family: Arial, Helvetica, sans-serif; margin: 0; padding: 1.5rem; color: #212b32; background: #f0f4f5; }
  main { max-width: 36rem; margin: 0 auto; background: #fff; padding: 1.5rem; border-radius: 4px; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  fieldset { border: 0; padding: 0; margin: 0 0 1.5rem; }
  legend { font-weight: bold; margin-bottom: 0.75rem; }
  .option { display: flex; align-items: center; gap: 0.5rem; margin: 0.5rem 0; }
  input[type=radio] { width: 1.5rem; height: 1.5rem; margin: 0; }
  button { font-size: 1rem; padding: 0.6rem 1rem; border-radius: 4px; border: 2px solid #005eb8; cursor: pointer; }
  button[value=allow] { background: #007f3b; border-color: #007f3b; color: #fff; }
  button[value=deny] { background: #fff; color: #005eb8; margin-left: 0.5rem; }
  button:focus, input:focus { outline: 3px solid #ffeb3b; outline-offset: 2px; }
  .error { border-left: 4px solid #d5281b; padding-left: 0.75rem; color: #d5281b; }
  .hint { color: #4c6272; }
`;

/** A sign-in page of the sandbox: `body` in a white card, with `style` (default: the picker's). */
export function signInPageHtml(title: string, body: string, style: string = STYLE): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const page = (title: string, body: string): string => signInPageHtml(title, body);
export interface PickerClinician {
  key: string;
  label: string;
}

export interface PickerPage {
  /** The app's name as registered. */
  clientName: string;
  /** Every authorization request parameter received, carried through the form unchanged. */
  params: ReadonlyArray<readonly [string, string]>;
  clinicians: readonly PickerClinician[];
  /** The clinician selected when the page opens (the launch's user when it is one of them). */
  selected: string | undefined;
  /** Shown above the form when the previous submission could not be used. */
  error?: string;
  /** Where the form posts (the authorization endpoint's path). */
  action: string;
}

/** The clinician picker: choose who signs in, then Continue (allow) or Cancel (deny). */
export function pickerPage(p: PickerPage): string {
  const hidden = p.params
    .filter(([name]) => name !== 'clinician' && name !== 'decision')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const options = p.clinicians
    .map((c, i) => {
      const id = `clinician-${i}`;
      const checked = c.key === p.selected ? ' checked' : '';
      return `<div class="option"><input type="radio" id="${id}" name="clinician" value="${escapeHtml(c.key)}"${checked} required><label for="${id}">${escapeHtml(c.label)}</label></div>`;
    })
    .join('\n');
  const error =
    p.error === undefined ? '' : `<p class="error" role="alert" id="picker-error">${escapeHtml(p.error)}</p>`;
  return page(
    'Sign in to the sandbox EHR',
    `<h1>Sign in to the sandbox EHR</h1>
<p class="hint">${escapeHtml(p.clientName)} is asking to open this patient's record. Choose the clinician you are signing in as. These are synthetic sandbox users; no password is needed.</p>
${error}
<form method="post" action="${escapeHtml(p.action)}">
${hidden}
<fieldset${p.error === undefined ? '' : ' aria-describedby="picker-error"'}>
<legend>Clinician</legend>
${options}
</fieldset>
<button type="submit" name="decision" value="allow">Continue</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
</form>`,
  );
}

/** A page for an authorization request that cannot be answered by redirecting to the app. */
export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
