import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hubSettings } from './env.js';
import { startHub } from './main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hub-main-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startHub', () => {
  it.each([false, true])(
    'opens and migrates the SQLite store, listens, and closes cleanly (worker: %s)',
    async (worker) => {
      const settings = hubSettings({ HUB_PORT: '0', HUB_DB_PATH: path.join(dir, `hub-${worker}.sqlite`) });
      const hub = await startHub(settings, { worker, delivery: { pollMs: 50 } });
      expect(hub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${hub.url}/health`);
      expect(await res.json()).toEqual({ status: 'ok', store: 'sqlite', pendingDeliveries: 0 });
      await hub.close();
      await hub.close();
      await expect(fetch(`${hub.url}/health`)).rejects.toThrow();
    },
  );

  it('refuses a config folder that is not there, naming HUB_CONFIG_DIR', async () => {
    const settings = hubSettings({ HUB_PORT: '0', HUB_CONFIG_DIR: path.join(dir, 'missing') });
    await expect(startHub(settings, { worker: false })).rejects.toThrow(
      /HUB_CONFIG_DIR is ".*missing", but there is no folder there/,
    );
  });

  it('says a port in use is in use', async () => {
    const first = await startHub(hubSettings({ HUB_PORT: '0', HUB_DB_PATH: path.join(dir, 'a.sqlite') }), {
      worker: false,
    });
    const port = new URL(first.url).port;
    try {
      await expect(
        startHub(hubSettings({ HUB_PORT: port, HUB_DB_PATH: path.join(dir, 'b.sqlite') }), { worker: false }),
      ).rejects.toThrow(new RegExp(`Port ${port} on 127.0.0.1 is already in use.*HUB_PORT`));
    } finally {
      await first.close();
    }
  });
});
