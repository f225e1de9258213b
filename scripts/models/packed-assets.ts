// Reads files out of an Emscripten file-packager blob (the `*_packed_assets.data` of the legacy
// MediaPipe solution packages). Its loader script lists every packed file as
// `"filename": "...", "start": N, "end": M` byte ranges into the .data file.

export interface PackedFile {
  filename: string;
  start: number;
  end: number;
}

export function listPackedFiles(loaderSource: string): PackedFile[] {
  const re = /"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)/g;
  return [...loaderSource.matchAll(re)].map((m) => ({
    filename: m[1]!,
    start: Number(m[2]),
    end: Number(m[3]),
  }));
}

/** The bytes of the packed file whose path ends with `/${basename}`; throws if absent. */
export function extractPackedFile(
  data: Uint8Array,
  files: readonly PackedFile[],
  basename: string,
): Uint8Array {
  const entry = files.find((f) => f.filename.endsWith(`/${basename}`));
  if (!entry) throw new Error(`packed assets: ${basename} is not listed by the loader`);
  if (entry.end > data.length || entry.start >= entry.end) {
    throw new Error(
      `packed assets: ${basename} range ${entry.start}-${entry.end} is outside the data file`,
    );
  }
  return data.subarray(entry.start, entry.end);
}
