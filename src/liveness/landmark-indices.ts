// MediaPipe face mesh indices used by the liveness modules. "Left"/"right" are the PERSON's
// own sides (MediaPipe's naming). In an unmirrored camera image the person's right eye is on
// the image LEFT (smaller x).

/** Person's right eye (image left). Corners and three eyelid pairs for the aspect ratio. */
export const RIGHT_EYE = {
  outer: 33,
  inner: 133,
  // Upper/lower lid pairs, roughly vertical to each other, from outer to inner.
  upper: [160, 159, 158] as const,
  lower: [144, 145, 153] as const,
  iris: 468,
} as const;

/** Person's left eye (image right). */
export const LEFT_EYE = {
  outer: 263,
  inner: 362,
  upper: [387, 386, 385] as const,
  lower: [373, 374, 380] as const,
  iris: 473,
} as const;

export const MOUTH = {
  /** Person's right mouth corner (image left). */
  rightCorner: 61,
  /** Person's left mouth corner (image right). */
  leftCorner: 291,
  upperInner: 13,
  lowerInner: 14,
  upperOuter: 0,
  lowerOuter: 17,
} as const;

export const NOSE_TIP = 1;
/** Under the nose (subnasale). */
export const NOSE_BOTTOM = 2;
/** Between the eyes, on the nasal bridge. */
export const MID_EYES = 168;
export const CHIN = 152;
export const FOREHEAD = 10;
/** Face-oval extremes at cheek level. */
export const RIGHT_CHEEK_EDGE = 234;
export const LEFT_CHEEK_EDGE = 454;
