// Keeps one IdentifyIndex per model id coherent with the database, also when other processes
// or instances write. Every template write bumps a per-model generation counter and appends
// (model, gen, template id, add|del) to a change log, in the same transaction. Before each
// identify the current generation is read (one indexed row):
//  - equal to the cached one: search at once;
//  - ahead: read the missing changes (and the added rows) from one snapshot and apply them;
//  - changes already pruned, or no cache yet: reload the model's templates from one snapshot.
// Our own writes are applied directly when they are the very next generation.

import { IdentifyIndex } from './identify-index';
import type { IdentifyMatch } from './types';

export interface IndexRow {
  templateId: string;
  subjectId: string;
  vector: Float32Array;
}

export type IndexChange =
  | { op: 'add'; templateId: string; row: IndexRow | null } // null: deleted again since
  | { op: 'del'; templateId: string };

export interface IndexSource {
  /** Current generation of a model id (0 when it has never had templates). */
  generation(modelId: string): Promise<number>;
  /** Generation and all (decrypted) templates of a model id, read from one snapshot. */
  load(modelId: string): Promise<{ gen: number; rows: IndexRow[] }>;
  /**
   * Changes after `afterGen` in generation order, from one snapshot, with `row` read in that
   * snapshot; `complete` is false when part of the range was pruned from the log.
   */
  changes(
    modelId: string,
    afterGen: number,
  ): Promise<{ gen: number; complete: boolean; changes: IndexChange[] }>;
}

interface Entry {
  gen: number;
  index: IdentifyIndex;
}

export class IndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  /** How caches were brought up to date (tests and metrics; no data). */
  readonly stats = { loads: 0, replays: 0 };

  constructor(private readonly source: IndexSource) {}

  async search(query: Float32Array, modelId: string, k: number): Promise<IdentifyMatch[]> {
    const gen = await this.source.generation(modelId);
    let entry = this.entries.get(modelId);
    if (entry === undefined || entry.gen !== gen) entry = await this.refresh(modelId, gen);
    return entry.index.search(query, k);
  }

  /** Brings the model's index up to date without searching (start-up warm-up). */
  async warm(modelId: string): Promise<void> {
    const gen = await this.source.generation(modelId);
    const entry = this.entries.get(modelId);
    if (entry === undefined || entry.gen !== gen) await this.refresh(modelId, gen);
  }

  /**
   * Called after a committed write that moved `modelId` to `newGen`. Applies the change in
   * memory if the cache was exactly one generation behind; otherwise the next search syncs.
   */
  applied(modelId: string, newGen: number, change: (index: IdentifyIndex) => void): void {
    const entry = this.entries.get(modelId);
    if (entry !== undefined && entry.gen === newGen - 1) {
      change(entry.index);
      entry.gen = newGen;
    }
  }

  clear(): void {
    this.entries.clear();
  }

  /** One refresh per model at a time; concurrent searches share it. */
  private refresh(modelId: string, seenGen: number): Promise<Entry> {
    let p = this.pending.get(modelId);
    if (p === undefined) {
      p = this.sync(modelId, seenGen).finally(() => this.pending.delete(modelId));
      this.pending.set(modelId, p);
    }
    return p;
  }

  private async sync(modelId: string, seenGen: number): Promise<Entry> {
    const entry = this.entries.get(modelId);
    if (entry !== undefined && entry.gen < seenGen) {
      const from = entry.gen;
      const delta = await this.source.changes(modelId, from);
      if (entry.gen >= delta.gen) return entry; // our own writes overtook the read
      if (delta.complete && entry.gen === from) {
        for (const c of delta.changes) {
          if (c.op === 'del') entry.index.remove(c.templateId);
          else if (c.row !== null) entry.index.add(c.row.templateId, c.row.subjectId, c.row.vector);
        }
        entry.gen = delta.gen;
        this.stats.replays++;
        return entry;
      }
    }
    this.stats.loads++;
    const { gen, rows } = await this.source.load(modelId);
    const index = new IdentifyIndex(rows.length);
    for (const r of rows) index.add(r.templateId, r.subjectId, r.vector);
    const current = this.entries.get(modelId);
    // Never replace a newer in-memory state with an older snapshot.
    if (current !== undefined && current.gen > gen) return current;
    const fresh = { gen, index };
    this.entries.set(modelId, fresh);
    return fresh;
  }
}
