// MediaPipe's results as FaceObservations in pixels of the whole frame, without duplicates.
import type { FaceLandmarkerResult } from '@mediapipe/tasks-vision';
import { iou } from '../box';
import type { Box, FaceObservation } from '../types';
import { classifyRuntimeError } from './errors';

/** Runs one inference; a runtime failure (e.g. a lost WebGL context) becomes a typed error. */
export function run(infer: () => FaceLandmarkerResult): FaceLandmarkerResult {
  try {
    return infer();
  } catch (e) {
    throw classifyRuntimeError(e);
  }
}

/** Maps MediaPipe's normalised landmarks of `region` back to pixels of the whole frame. */
export function toObservations(
  result: FaceLandmarkerResult,
  region: Box,
  width: number,
  height: number,
): FaceObservation[] {
  const faces = result.faceLandmarks.map((points, i) => {
    const landmarks = new Float32Array(points.length * 3);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    points.forEach((p, j) => {
      const x = region.x + p.x * region.width;
      const y = region.y + p.y * region.height;
      landmarks[3 * j] = x;
      landmarks[3 * j + 1] = y;
      landmarks[3 * j + 2] = p.z * region.width;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    });
    const m = result.facialTransformationMatrixes?.[i];
    return {
      landmarks,
      matrix: m ? Float32Array.from(m.data) : null,
      box: { x: minX, y: minY, width: maxX - minX, height: maxY - minY },
      width,
      height,
    };
  });
  return withoutDuplicates(faces);
}

/** The detector occasionally yields two overlapping meshes for one face (seen on group photos);
 *  a duplicate would read as "several faces", so later meshes overlapping an earlier one go. */
export function withoutDuplicates(faces: FaceObservation[], threshold = 0.5): FaceObservation[] {
  const kept: FaceObservation[] = [];
  for (const f of faces) if (kept.every((k) => iou(k.box, f.box) < threshold)) kept.push(f);
  return kept;
}
