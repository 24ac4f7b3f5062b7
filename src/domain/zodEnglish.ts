/**
 * Switches on zod's English messages for the schemas built with `zod/mini`. Import it for its effect
 * (`import './zodEnglish.js'`) next to `import * as z from 'zod/mini'` in every module whose schemas
 * produce messages a person reads.
 *
 * The browser app bundles zod/mini rather than classic zod (`import { z } from 'zod'`): classic zod
 * puts every method on every schema, so no bundler can drop any of it (about 45 KB gzipped in the GP
 * app), while zod/mini has the same core, issues and messages behind plain functions
 * (`z.optional(s)`, `s.check(z.minLength(1))`) that tree-shake to a few KB. Unlike classic zod,
 * zod/mini loads no locale by itself, so without this every built-in message would read "Invalid
 * input". Classic zod likewise sets English only when no locale is set, so the two agree wherever both
 * are loaded (the sandbox server keeps classic zod).
 *
 * Written with `config()` and a namespace import of zod/mini in the schema modules, not `z.core.…` or
 * `import { z }`, because esbuild then keeps all of zod (every locale, JSON Schema, compile): Vite's
 * production build copes either way, but the smaller form is right for both.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

if (!config().localeError) config(en());
