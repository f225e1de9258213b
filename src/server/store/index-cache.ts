// Keeps one IdentifyIndex per model id coherent with the database, also when other processes
// or instances write. Every template write bumps a per-model generation counter in the same
// transaction. Before each identify the current generation is read (one indexed row); if it
// differs from the cached index, the model's templates are reloaded from one consistent
// snapshot. Our own writes are applied incrementally when they are the very next generation.

import { IdentifyIndex } from './identify-index';
import type { IdentifyMatch } from './types';

export interface IndexRow {
  templateId: string;
  subjectId: string;
  vector: Float32Array;
}

export interface IndexSource {
  /** Current generation of a model id (0 when it has never had templates). */
  generation(modelId: string): Promise<number>;
  /** Generation and all (decrypted) templates of a model id, read from one snapshot. */
  load(modelId: string): Promise<{ gen: number; rows: IndexRow[] }>;
}

interface Entry {
  gen: number;
  index: IdentifyIndex;
}

export class IndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly source: IndexSource) {}

  async search(query: Float32Array, modelId: string, k: number): Promise<IdentifyMatch[]> {
    const gen = await this.source.generation(modelId);
    let entry = this.entries.get(modelId);
    if (entry === undefined || entry.gen !== gen) entry = await this.reload(modelId);
    return entry.index.search(query, k);
  }

  /**
   * Called after a committed write that moved `modelId` to `newGen`. Applies the change in
   * memory if the cache was exactly one generation behind; otherwise the next search reloads.
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

  private reload(modelId: string): Promise<Entry> {
    let pending = this.loading.get(modelId);
    if (pending === undefined) {
      pending = this.source
        .load(modelId)
        .then(({ gen, rows }) => {
          const index = new IdentifyIndex(rows.length);
          for (const r of rows) index.add(r.templateId, r.subjectId, r.vector);
          const current = this.entries.get(modelId);
          // Never replace a newer in-memory state with an older snapshot.
          if (current !== undefined && current.gen > gen) return current;
          const entry = { gen, index };
          this.entries.set(modelId, entry);
          return entry;
        })
        .finally(() => this.loading.delete(modelId));
      this.loading.set(modelId, pending);
    }
    return pending;
  }
}
