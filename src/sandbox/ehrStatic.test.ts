import path from 'node:path';
import { contentTypeFor, resolveStaticPath } from './ehrStatic.js';

const ROOT = path.resolve('/srv/web/app');

describe('resolveStaticPath', () => {
  it.each([
    ['', ROOT],
    ['index.html', path.join(ROOT, 'index.html')],
    ['assets/main-AbCd1234.js', path.join(ROOT, 'assets', 'main-AbCd1234.js')],
    ['assets//x.css', path.join(ROOT, 'assets', 'x.css')],
    ['a%20b.txt', path.join(ROOT, 'a b.txt')],
  ])('%j → inside the root', (urlPath, expected) => {
    expect(resolveStaticPath(ROOT, urlPath)).toBe(expected);
  });

  it.each([
    '..',
    '../secret.txt',
    '%2e%2e/secret.txt',
    'assets/..%2f..%2fsecret.txt',
    '..%5csecret.txt',
    'a%00.js',
    '.',
    'C:%5cwindows',
  ])('%j → traversal', (urlPath) => {
    expect(resolveStaticPath(ROOT, urlPath)).toBe('traversal');
  });

  it('bad percent-encoding is unreadable', () => {
    expect(resolveStaticPath(ROOT, '%E0%A4%A.js')).toBe('unreadable');
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.js.map', 'application/json; charset=utf-8'],
    ['logo.SVG', 'image/svg+xml'],
    ['blob.bin', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});
