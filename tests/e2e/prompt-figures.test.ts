/**
 * In Chromium, the GP app tells the practice's referral hub what the GP did with a prompt (for the IT
 * lead's figures), in the background: the prompt shown when its dialog opens, then the answer — here
 * "Not appropriate" with a reason and a comment, of which only the reason's code reaches the hub.
 */
import type { BrowserContext } from 'playwright-core';
import type { PromptEvent } from '../../src/server/store/types.js';
import { newUkContext } from './browser.js';
import { appShowsPrompt, checkScreen, openAppIn, PANEL_WIDTH, setUpE2e } from './support.js';

jest.setTimeout(30_000);

const env = setUpE2e();

let context: BrowserContext;

beforeEach(async () => {
  context = await newUkContext(env.browser, { width: PANEL_WIDTH });
});

afterEach(async () => {
  await context.close();
});

async function hubEvents(count: number): Promise<PromptEvent[]> {
  const hub = env.sandbox.hub;
  if (hub === undefined) throw new Error('The sandbox started no hub.');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = await hub.store.listPromptEvents({ practiceOds: 'A99999' });
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('reports the prompt shown and overridden to the hub, without the GP’s comment', async () => {
  const page = await openAppIn(context, env.sandbox, 'peter');
  expect(await appShowsPrompt(page)).toBe(true);
  const shown = await hubEvents(1);
  expect(shown).toEqual([
    expect.objectContaining({ action: 'shown', practiceOds: 'A99999', agent: 'Practitioner/gp-1' }),
  ]);

  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Not appropriate' }).click();
  await dialog.getByRole('radio', { name: 'Employer occupational health in place' }).check();
  await dialog.getByLabel('Comment (optional)').fill('Sees the employer’s nurse on Tuesday.');
  await dialog.getByRole('button', { name: 'Record reason' }).click();
  await page.getByRole('heading', { name: 'Work and health', level: 1 }).waitFor();
  await checkScreen(page, 'figures-01-panel-after-override');

  const events = await hubEvents(2);
  expect(events.map((e) => [e.action, e.reasonCode])).toEqual([
    ['shown', undefined],
    ['overridden', 'employer-oh-in-place'],
  ]);
  expect(events[1]?.card).toBe(events[0]?.card);
  expect(JSON.stringify(events)).not.toMatch(/Tuesday/);
  await page.close();
});
