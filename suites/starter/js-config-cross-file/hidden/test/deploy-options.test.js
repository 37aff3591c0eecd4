'use strict';

// Sub-path deployments and URL style set from the config file or from the
// command line, checked end to end through the real CLI binary.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { makeSite, removeSite } = require('./helpers');

const BIN = path.join(__dirname, '..', 'bin', 'mdpress.js');

const PAGES = {
  'content/index.md': '---\ntitle: Home\norder: 0\n---\n# Widgets\n\nSee [the FAQ](/faq/).\n',
  'content/guide/install.md': '---\ntitle: Install\norder: 1\n---\n# Install\n',
  'content/faq.md': '---\ntitle: FAQ\norder: 2\n---\n# FAQ\n',
  'static/style.css': 'body {}\n',
};

function mdpress(args, cwd) {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function withSite(config, fn) {
  const files = { ...PAGES };
  if (config) files['mdpress.config.json'] = JSON.stringify(config);
  const dir = makeSite(files);
  try {
    return fn(dir, (rel) => fs.readFileSync(path.join(dir, '_site', rel), 'utf8'));
  } finally {
    removeSite(dir);
  }
}

const locs = (sitemap) => [...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]);
const hrefs = (html) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);

test('sub-path baseUrl from the config file: sitemap and canonical urls', () => {
  withSite({ baseUrl: 'https://example.org/docs/' }, (dir, read) => {
    const res = mdpress(['build', dir, '--quiet'], dir);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(locs(read('sitemap.xml')), [
      'https://example.org/docs/',
      'https://example.org/docs/guide/install/',
      'https://example.org/docs/faq/',
    ]);
    assert.ok(hrefs(read('faq/index.html')).includes('https://example.org/docs/faq/'));
  });
});

test('--base-url with a sub-path prefixes links, assets and sitemap', () => {
  withSite({ baseUrl: 'https://widgets.example.org/' }, (dir, read) => {
    const res = mdpress(['build', dir, '--quiet', '--base-url', 'https://example.org/preview/'], dir);
    assert.equal(res.code, 0, res.stderr);
    const links = hrefs(read('guide/install/index.html'));
    assert.ok(links.includes('/preview/style.css'), links.join(' '));
    assert.ok(links.includes('/preview/guide/install/'), links.join(' '));
    assert.ok(links.includes('/preview/faq/'), links.join(' '));
    assert.ok(links.includes('https://example.org/preview/guide/install/'), links.join(' '));
    assert.ok(hrefs(read('index.html')).includes('/preview/faq/'));
    assert.deepEqual(locs(read('sitemap.xml')), [
      'https://example.org/preview/',
      'https://example.org/preview/guide/install/',
      'https://example.org/preview/faq/',
    ]);
    const urls = mdpress(['urls', dir, '--base-url=https://example.org/preview/'], dir);
    assert.equal(urls.stdout, '/\t/preview/\nguide/install\t/preview/guide/install/\nfaq\t/preview/faq/\n');
  });
});

test('--trailing-slash never changes urls and output files', () => {
  withSite(null, (dir, read) => {
    const res = mdpress(['build', dir, '--quiet', '--trailing-slash', 'never'], dir);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(fs.existsSync(path.join(dir, '_site', 'faq.html')));
    assert.ok(fs.existsSync(path.join(dir, '_site', 'guide', 'install.html')));
    assert.ok(!fs.existsSync(path.join(dir, '_site', 'faq', 'index.html')));
    const links = hrefs(read('index.html'));
    assert.ok(links.includes('/guide/install'), links.join(' '));
    assert.ok(links.includes('/faq'), links.join(' '));
    assert.deepEqual(locs(read('sitemap.xml')), [
      'http://localhost:8080/',
      'http://localhost:8080/guide/install',
      'http://localhost:8080/faq',
    ]);
  });
});

test('command line beats the config file; base url without trailing slash', () => {
  withSite({ baseUrl: 'https://example.org/', trailingSlash: 'never' }, (dir, read) => {
    const res = mdpress(['build', dir, '--quiet', '--trailing-slash=always',
      '--base-url', 'https://example.org/v2?ref=x'], dir);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(fs.existsSync(path.join(dir, '_site', 'faq', 'index.html')));
    const links = hrefs(read('faq/index.html'));
    assert.ok(links.includes('/v2/'), links.join(' '));
    assert.ok(links.includes('/v2/faq/'), links.join(' '));
    assert.ok(links.includes('https://example.org/v2/faq/'), links.join(' '));
    assert.deepEqual(locs(read('sitemap.xml')), [
      'https://example.org/v2/',
      'https://example.org/v2/guide/install/',
      'https://example.org/v2/faq/',
    ]);
  });
});

test('invalid command line values are rejected like config file values', () => {
  withSite(null, (dir) => {
    let res = mdpress(['build', dir, '--trailing-slash', 'sometimes'], dir);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /trailingSlash must be one of always, never/);
    assert.ok(!fs.existsSync(path.join(dir, '_site')));
    res = mdpress(['build', dir, '--base-url', 'example.org/docs'], dir);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /baseUrl must be an absolute URL/);
  });
});
