// The five ArcFace alignment points from MediaPipe's 478 landmarks, in IMAGE order: the eye on
// the image left first. With an unmirrored camera frame that is the person's own right eye.
import { LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE } from './landmark-indices';
import { checkLandmarks } from './signals';

/**
 * Returns Float32Array(10): x,y pairs of [image-left eye centre, image-right eye centre, nose
 * tip, image-left mouth corner, image-right mouth corner] in the landmarks' pixel space — the
 * order of the 112×112 ArcFace template. Eye centres are the iris centres (468/473) when the
 * iris points are present, else the mean of the two eye corners.
 */
export function fivePoints(landmarks: ArrayLike<number>): Float32Array {
  const count = checkLandmarks(landmarks);
  const hasIris = count >= 478;
  const out = new Float32Array(10);
  const put = (slot: number, x: number, y: number): void => {
    out[slot * 2] = x;
    out[slot * 2 + 1] = y;
  };
  const at = (i: number): [number, number] => [landmarks[3 * i]!, landmarks[3 * i + 1]!];
  const eye = (e: typeof LEFT_EYE | typeof RIGHT_EYE): [number, number] => {
    if (hasIris) return at(e.iris);
    const [ox, oy] = at(e.outer);
    const [ix, iy] = at(e.inner);
    return [(ox + ix) / 2, (oy + iy) / 2];
  };
  put(0, ...eye(RIGHT_EYE));
  put(1, ...eye(LEFT_EYE));
  put(2, ...at(NOSE_TIP));
  put(3, ...at(MOUTH.rightCorner));
  put(4, ...at(MOUTH.leftCorner));
  return out;
}
