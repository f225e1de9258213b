// Which of the 468 mesh points the attention mesh model's refined outputs replace. These are the
// index lists of MediaPipe's legacy LandmarksRefinementCalculator configuration for the attention
// mesh (tensors_to_face_landmarks_with_attention): lips and eyes overwrite x,y and keep the mesh z;
// each iris gets five new points whose z is the average mesh z of that eye's 16 contour points.

/** Mesh indices of the 80 lip points, in the order of the lips output (x,y pairs). */
export const LIPS = [
  // lower outer, upper outer (no corners)
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  // lower inner, upper inner
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
  // lower semi-outer, upper semi-outer
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408,
  // lower semi-inner, upper semi-inner
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407,
] as const;

/** Mesh indices of the 71 points of the left-eye output (image left; the person's right eye). */
export const LEFT_EYE = [
  // contour: lower, upper (no corners) — also the iris z average set
  33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
  // halo 2
  130, 25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190,
  // halo 3
  226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189,
  // halo 4 (eyebrow inner), halo 5
  35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107,
  55, 193,
] as const;

/** Mesh indices of the 71 points of the right-eye output (mirror of LEFT_EYE). */
export const RIGHT_EYE = [
  263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339,
  254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451,
  452, 453, 464, 342, 445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346,
  347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336, 285, 417,
] as const;

/** The first 16 points of each eye list are its contour; the iris z is their mean z. */
export const EYE_CONTOUR_LENGTH = 16;
export const LEFT_IRIS_FIRST = 468;
export const RIGHT_IRIS_FIRST = 473;
export const MESH_POINTS = 468;
export const REFINED_POINTS = 478;

/** Float offsets of each raw output inside the concatenation [mesh, lips, leye, reye, liris, riris]. */
export const SEGMENTS = {
  mesh: { start: 0, values: MESH_POINTS * 3 },
  lips: { start: 1404, values: LIPS.length * 2 },
  leftEye: { start: 1564, values: LEFT_EYE.length * 2 },
  rightEye: { start: 1706, values: RIGHT_EYE.length * 2 },
  leftIris: { start: 1848, values: 10 },
  rightIris: { start: 1858, values: 10 },
} as const;
export const CONCAT_VALUES = 1868;
/** The two iris z means are appended after the concatenation. */
export const LEFT_IRIS_Z = CONCAT_VALUES;
export const RIGHT_IRIS_Z = CONCAT_VALUES + 1;

/** Positions (in the concatenation) of the mesh z values that each iris z averages. */
export function irisZSources(side: 'left' | 'right'): number[] {
  const eye = side === 'left' ? LEFT_EYE : RIGHT_EYE;
  return eye.slice(0, EYE_CONTOUR_LENGTH).map((i) => 3 * i + 2);
}

/**
 * For each of the 478x3 refined values, its position in [concatenation, left iris z, right iris z].
 * Later refinements overwrite earlier ones, as in the legacy calculator.
 */
export function refinedGatherTable(): Int32Array {
  const table = new Int32Array(REFINED_POINTS * 3);
  for (let i = 0; i < MESH_POINTS * 3; i++) table[i] = i;
  const overwriteXY = (points: readonly number[], start: number): void => {
    points.forEach((p, j) => {
      table[3 * p] = start + 2 * j;
      table[3 * p + 1] = start + 2 * j + 1;
    });
  };
  overwriteXY(LIPS, SEGMENTS.lips.start);
  overwriteXY(LEFT_EYE, SEGMENTS.leftEye.start);
  overwriteXY(RIGHT_EYE, SEGMENTS.rightEye.start);
  for (let k = 0; k < 5; k++) {
    const l = LEFT_IRIS_FIRST + k;
    table[3 * l] = SEGMENTS.leftIris.start + 2 * k;
    table[3 * l + 1] = SEGMENTS.leftIris.start + 2 * k + 1;
    table[3 * l + 2] = LEFT_IRIS_Z;
    const r = RIGHT_IRIS_FIRST + k;
    table[3 * r] = SEGMENTS.rightIris.start + 2 * k;
    table[3 * r + 1] = SEGMENTS.rightIris.start + 2 * k + 1;
    table[3 * r + 2] = RIGHT_IRIS_Z;
  }
  return table;
}
