// Face sets for the accuracy bench: identities.csv (file,identity; every pair scored) or
// pairs.csv (a,b,same with same in {0,1}).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PairSet {
  files: string[];
  pairs: { a: string; b: string; same: boolean }[];
  source: 'identities.csv' | 'pairs.csv';
}

function rows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const cells = lines.map((l) => l.split(',').map((c) => c.trim()));
  // A header row names its columns instead of holding data.
  if (cells[0] && /^(file|a)$/i.test(cells[0][0] ?? '')) cells.shift();
  return cells;
}

export function loadPairs(dir: string): PairSet {
  const pairsCsv = join(dir, 'pairs.csv');
  const identitiesCsv = join(dir, 'identities.csv');
  if (existsSync(pairsCsv)) {
    const pairs = rows(pairsCsv).map(([a, b, same], i) => {
      if (!a || !b || (same !== '0' && same !== '1')) {
        throw new Error(`pairs.csv line ${i + 2}: expected a,b,same with same in {0,1}`);
      }
      return { a, b, same: same === '1' };
    });
    const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
    return { files, pairs, source: 'pairs.csv' };
  }
  if (existsSync(identitiesCsv)) {
    const list = rows(identitiesCsv).map(([file, identity], i) => {
      if (!file || !identity)
        throw new Error(`identities.csv line ${i + 2}: expected file,identity`);
      return { file, identity };
    });
    const pairs = [];
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        pairs.push({
          a: list[i]!.file,
          b: list[j]!.file,
          same: list[i]!.identity === list[j]!.identity,
        });
      }
    }
    return { files: list.map((l) => l.file), pairs, source: 'identities.csv' };
  }
  throw new Error(`${dir} holds neither pairs.csv nor identities.csv`);
}
