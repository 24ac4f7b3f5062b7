/**
 * The sandbox's /config/A99999.json (what the GP app reads by default) serves the hub's current
 * document: the examples until an IT lead publishes a version, then the published version.
 */
import { readFileSync } from 'node:fs';
import { type RunningSandbox, startSandbox } from './server.js';

const EXAMPLE_RULES = JSON.parse(readFileSync('examples/rules.json', 'utf8'));
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
});

afterAll(async () => {
  await sandbox.close();
});

async function config(): Promise<{
  rules: { rules: Array<{ id: string; when: Record<string, number> }> };
  directory: { providers: Array<{ id: string; status: string }> };
  hub?: { url: string };
}> {
  const res = await fetch(`${sandbox.url}/config/A99999.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

it('serves the examples, then what the IT lead published, naming the hub throughout', async () => {
  const hub = sandbox.hub;
  if (!hub) throw new Error('the sandbox started without its hub');
  const before = await config();
  expect(before.rules).toEqual(EXAMPLE_RULES);
  expect(before.hub).toEqual({ url: hub.url });

  const changed = structuredClone(EXAMPLE_RULES);
  changed.rules.find((r: { id: string }) => r.id === 'six-weeks-oh').when.absenceDaysAtLeast = 28;
  const draft = await hub.store.saveConfigVersion(
    { practiceOds: 'A99999', kind: 'rules', body: changed, author: 'staff:it-lead', publish: false },
    Date.now(),
  );
  expect((await config()).rules).toEqual(EXAMPLE_RULES); // a draft is not served
  await hub.store.publishConfigVersion('A99999', 'rules', draft.version, 'staff:it-lead', Date.now());
  const after = await config();
  expect(after.rules.rules.find((r) => r.id === 'six-weeks-oh')?.when.absenceDaysAtLeast).toBe(28);
  expect(after.directory).toEqual(before.directory); // still the file's, with the sandbox's addresses
  expect(after.hub).toEqual({ url: hub.url });
  expect((await fetch(`${sandbox.url}/config/Z11111.json`)).status).toBe(404);
});
