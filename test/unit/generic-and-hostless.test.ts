/**
 * Two rules a grep can check: topology/ is a generic library, so no file in it (code, comment or
 * test) names the temperature domain; and the docs name no public host, since where a user's
 * registries and servers live is theirs to say.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED_FILES } from '../support/documented-files.js';

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

const DOMAIN_WORDS = /temperature|reading|device|alert|TempRange|mysql|fahrenheit|celsius|sensor/i;

describe('topology/ is generic', () => {
  it.each(filesUnder('topology', '.ts'))('%s names no domain word', (file) => {
    const hits = readFileSync(file, 'utf8')
      .split('\n')
      .map((line, i) => ({ line: i + 1, text: line.trim() }))
      .filter((l) => DOMAIN_WORDS.test(l.text));
    expect(hits).toEqual([]);
  });
});

// A dotted name ending in a public top-level domain; localhost, container names and file names pass.
const PUBLIC_HOST = /\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|cloud|co|eu|de|uk)\b/gi;
const DOCS = DOCUMENTED_FILES;

describe('the docs name no host', () => {
  it.each(DOCS)('%s', (file) => {
    // `docker.io` is also the name of Debian's Docker package, which stack/README.md installs.
    const hosts = (readFileSync(file, 'utf8').match(PUBLIC_HOST) ?? []).filter((h) => h !== 'docker.io');
    expect(hosts).toEqual([]);
  });
});
