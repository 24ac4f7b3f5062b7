/** @jest-environment jsdom */
import { focusableIn, trapTarget } from './useFocusTrap.js';

function root(html: string): HTMLElement {
  document.body.innerHTML = `<button id="outside">Behind</button><div id="root" tabindex="-1">${html}</div>`;
  return document.getElementById('root') as HTMLElement;
}

const ids = (els: readonly Element[]) => els.map((el) => el.id);

describe('focusableIn', () => {
  it.each<[string, string, string[]]>([
    [
      'links with href, enabled controls and summaries, in document order',
      `<a id="a" href="#x">A</a><a id="no-href">No</a><details id="d"><summary id="s">More</summary></details>
       <button id="b">B</button><input id="i"><select id="sel"></select><textarea id="t"></textarea>
       <span id="ti" tabindex="0">T</span>`,
      ['a', 's', 'b', 'i', 'sel', 't', 'ti'],
    ],
    [
      'not disabled, tabindex -1, type hidden, or inside a disabled fieldset',
      `<button id="b1" disabled>1</button><button id="b2" tabindex="-1">2</button><input id="h" type="hidden">
       <fieldset disabled><input id="f"></fieldset><h2 id="h2" tabindex="-1">Heading</h2><button id="ok">OK</button>`,
      ['ok'],
    ],
    [
      'not inside hidden or inert parts, nor styled away',
      `<div hidden><button id="h">H</button></div><div inert><button id="n">N</button></div>
       <button id="dn" style="display: none">D</button><button id="vh" style="visibility: hidden">V</button>
       <button id="ok">OK</button>`,
      ['ok'],
    ],
    [
      'a closed details: only its own summary; an open one: what it holds too',
      `<details><summary id="s1">One</summary><a id="l1" href="#1">in one</a></details>
       <details open><summary id="s2">Two</summary><a id="l2" href="#2">in two</a>
         <details><summary id="s3">Three</summary><button id="b3">in three</button></details></details>`,
      ['s1', 's2', 'l2', 's3'],
    ],
    [
      'a second summary is not a disclosure button, nor a summary outside details',
      `<details><summary id="s1">One</summary><summary id="s2">Extra</summary></details><summary id="s3">X</summary>`,
      ['s1'],
    ],
    [
      'a radio group with a checked radio is one stop (the checked one); unchecked groups are all listed',
      `<input type="radio" name="g" id="g1"><input type="radio" name="g" id="g2" checked>
       <input type="radio" name="h" id="h1"><input type="radio" name="h" id="h2">`,
      ['g2', 'h1', 'h2'],
    ],
  ])('%s', (_name, html, expected) => {
    expect(ids(focusableIn(root(html)))).toEqual(expected);
  });
});

describe('trapTarget', () => {
  const html = `<h2 id="title" tabindex="-1">Title</h2><details><summary id="s">More</summary><a id="l" href="#l">L</a></details>
    <h3 id="sub" tabindex="-1">Sub</h3><button id="b1">1</button><button id="b2">2</button>`;

  it.each<[string, string, boolean, string | undefined]>([
    ['Tab from the last stop wraps to the first', 'b2', false, 's'],
    ['Shift+Tab from the first stop wraps to the last', 's', true, 'b2'],
    ['Shift+Tab from the heading at the top (not a stop) wraps to the last', 'title', true, 'b2'],
    ['Tab from the heading at the top goes to the first stop', 'title', false, 's'],
    ['Shift+Tab from the dialog itself wraps to the last', 'root', true, 'b2'],
    ['Tab from the dialog itself goes to the first stop', 'root', false, 's'],
    ['Shift+Tab from a heading mid-way goes to the stop before it', 'sub', true, 's'],
    ['Tab from a heading mid-way goes to the stop after it', 'sub', false, 'b1'],
    ['focus outside: Tab to the first stop', 'outside', false, 's'],
    ['focus outside: Shift+Tab to the last stop', 'outside', true, 'b2'],
    ['between two stops the browser moves focus itself', 'b1', false, undefined],
    ['between two stops backwards too', 'b2', true, undefined],
  ])('%s', (_name, activeId, back, expected) => {
    const r = root(html);
    const target = trapTarget(r, document.getElementById(activeId), back);
    expect(target?.id).toBe(expected);
  });

  it('a modal with nothing to stop at keeps focus on itself', () => {
    const r = root('<p>Only text</p>');
    expect(trapTarget(r, r, false)).toBe(r);
    expect(trapTarget(r, r, true)).toBe(r);
  });
});
