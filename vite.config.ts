import { defineConfig } from 'vite';

// The browser apps (GP app, IT-lead console, provider inbox) are built by Vite; the Node parts
// (CLI, hub, sandbox) are compiled by tsc (tsconfig.build.json).
export default defineConfig({
  root: '.',
  build: { outDir: 'dist/web', sourcemap: true, target: 'es2022' },
});
