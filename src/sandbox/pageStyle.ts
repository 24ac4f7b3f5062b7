/** The plain pages the sandbox serves besides the EHR (its index, the providers' pages) share this look. */
export const SANDBOX_PAGE_STYLE = `
  body { font-family: Arial, Helvetica, sans-serif; font-size: 1rem; line-height: 1.5; color: #212b32; margin: 0; background: #f0f4f5; }
  main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.75rem; margin: 0 0 .5rem; }
  h2 { font-size: 1.375rem; margin: 1.5rem 0 .5rem; }
  a { color: #005eb8; display: inline-block; min-height: 24px; padding: 2px 0; }
  a:focus { outline: 3px solid #ffeb3b; background: #ffeb3b; color: #212b32; }
  ul { padding-left: 1.25rem; }
`;
