import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { withoutWebFonts } from './src/app/styles/withoutWebFonts.js';

// The browser code (the GP app and its SMART launch page; later the IT-lead console and provider
// inbox) is built by Vite into dist/web; the Node parts (CLI, hub, sandbox) are compiled by tsc
// (tsconfig.build.json). `npm run build:web` runs `vite build`.
//
// With root '.', Vite writes each HTML entry at its path under the root: launch/index.html →
// dist/web/launch/index.html (served at /launch/), but src/app/index.html → dist/web/src/app/index.html.
// The plugin below moves the app's page to dist/web/app/index.html so it is served at /app/. Pages
// refer to their scripts and styles by absolute URLs under `base` ('/'), and every chunk goes to
// dist/web/app/assets/, so moving an HTML file breaks no link. The sandbox serves dist/web/app at
// /app/ and dist/web/launch at /launch/ (src/sandbox/ehr.ts).
const PAGE_OUTPUT: Record<string, string> = {
  'src/app/index.html': 'app/index.html',
  // The provider inbox, served by the referral hub at /inbox/ (its chunks from /app/assets/).
  'src/provider/index.html': 'inbox/index.html',
  // The IT-lead console, served by the referral hub at /admin/ (its chunks from /app/assets/).
  'src/admin/index.html': 'admin/index.html',
};

function pageOutputPaths(): Plugin {
  return {
    name: 'fitnote-prompt:page-output-paths',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const [from, to] of Object.entries(PAGE_OUTPUT)) {
        const page = bundle[from];
        if (page) page.fileName = to;
      }
    },
  };
}

/** Drops NHS.UK's web-font rules from the app's CSS (see src/app/styles/withoutWebFonts.ts). */
function noWebFonts(): Plugin {
  return {
    name: 'fitnote-prompt:no-web-fonts',
    transform(code, id) {
      return id.includes('nhsuk-frontend') && id.endsWith('.css') ? withoutWebFonts(code) : undefined;
    },
  };
}

export default defineConfig({
  root: '.',
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  // fhirclient's "pure" browser build: no fetch/AbortController polyfills (every browser the app
  // supports has both), which keeps cross-fetch and its polyfills out of the bundle.
  define: { FHIRCLIENT_PURE: 'true' },
  plugins: [pageOutputPaths(), noWebFonts()],
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    assetsDir: 'app/assets',
    sourcemap: true,
    // NHS.UK frontend's CSS is already minified, and esbuild's minifier warns about its old IE hacks.
    cssMinify: false,
    target: 'es2022',
    rollupOptions: {
      input: {
        launch: resolve(import.meta.dirname, 'launch/index.html'),
        app: resolve(import.meta.dirname, 'src/app/index.html'),
        inbox: resolve(import.meta.dirname, 'src/provider/index.html'),
        admin: resolve(import.meta.dirname, 'src/admin/index.html'),
      },
    },
  },
});
