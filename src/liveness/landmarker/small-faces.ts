// The tiled search for faces too small for one pass over the whole frame (group photos).
import { iou } from '../box';
import type { Box, FaceObservation } from '../types';
import { withoutDuplicates } from './observations';

/** Overlapping tiles (fractions of the frame) searched for small faces: a 2x2 grid of 60 %
 *  tiles, then a 3x3 grid of 40 % tiles. A face narrower than the overlap (20 %, 10 %) lies
 *  whole inside at least one tile of each grid, where it is 1.7-2.5x larger relative to the
 *  detector's input than in the whole frame. */
const TILES: Box[] = [2, 3].flatMap((n) => {
  const size = n === 2 ? 0.6 : 0.4;
  const step = (1 - size) / (n - 1);
  return Array.from({ length: n * n }, (_, i) => ({
    x: (i % n) * step,
    y: Math.floor(i / n) * step,
    width: size,
    height: size,
  }));
});

function scaleBox(fraction: Box, width: number, height: number): Box {
  return {
    x: Math.round(fraction.x * width),
    y: Math.round(fraction.y * height),
    width: Math.round(fraction.width * width),
    height: Math.round(fraction.height * height),
  };
}

/** A square `factor` times the box's longer side around its centre, clamped to the frame. */
function around(box: Box, factor: number, width: number, height: number): Box {
  const side = Math.max(box.width, box.height) * factor;
  const x = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const y = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  return {
    x,
    y,
    width: Math.max(1, Math.min(width, Math.round(x + side)) - x),
    height: Math.max(1, Math.min(height, Math.round(y + side)) - y),
  };
}

/** True when the face box reaches within `margin` px of a tile edge that is not a frame edge:
 *  such a face is cut by the tile and is found whole in a neighbouring tile. */
function touchesInnerEdge(box: Box, tile: Box, width: number, height: number): boolean {
  const margin = 0.01 * Math.max(width, height);
  const left = tile.x > 0 && box.x < tile.x + margin;
  const top = tile.y > 0 && box.y < tile.y + margin;
  const right = tile.x + tile.width < width && box.x + box.width > tile.x + tile.width - margin;
  const bottom =
    tile.y + tile.height < height && box.y + box.height > tile.y + tile.height - margin;
  return left || top || right || bottom;
}

/**
 * Adds the faces that only overlapping tiles reveal to `whole` (the faces of one pass over the
 * whole frame, kept first). `pass` runs the detector on a region of the frame.
 */
export function findSmallFaces(
  whole: FaceObservation[],
  pass: (region: Box) => FaceObservation[],
  width: number,
  height: number,
): FaceObservation[] {
  const faces = [...whole];
  for (const t of TILES) {
    const tile = scaleBox(t, width, height);
    faces.push(...pass(tile).filter((f) => !touchesInnerEdge(f.box, tile, width, height)));
  }
  // Tiles see a face at several scales; a looser overlap test merges those sightings.
  const merged = withoutDuplicates(faces, 0.3);
  // A face seen only in a tile must be found again in a crop around it: small tiles make
  // the detector see faces in textures (curtains, hair) that a second look rejects.
  return merged.filter(
    (f, i) =>
      i < whole.length ||
      pass(around(f.box, 2.5, width, height)).some((g) => iou(g.box, f.box) > 0.3),
  );
}
