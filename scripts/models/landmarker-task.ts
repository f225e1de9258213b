// Builds face_landmarker.task (MediaPipe Tasks model bundle) from the legacy solution packages:
// the BlazeFace short-range detector of @mediapipe/face_detection and the attention mesh plus
// face geometry metadata packed inside @mediapipe/face_mesh.
import { refineAttentionMesh } from './attention-mesh';
import { extractPackedFile, listPackedFiles } from './packed-assets';
import { writeStoredZip } from './stored-zip';
import { buildImageInputMetadata } from './tflite-metadata';
import { editModel, readModel } from './tflite';

export const METADATA_NAME = 'TFLITE_METADATA';

export interface LandmarkerSources {
  /** face_detection_short_range.tflite of @mediapipe/face_detection. */
  detector: Uint8Array;
  /** face_mesh_solution_packed_assets.data and its loader script, of @mediapipe/face_mesh. */
  meshData: Uint8Array;
  meshLoader: string;
}

export interface LandmarkerParts {
  detector: Uint8Array;
  landmarks: Uint8Array;
  geometry: Uint8Array;
}

export function buildLandmarkerParts(src: LandmarkerSources): LandmarkerParts {
  const detectorModel = readModel(src.detector);
  const detector = editModel(detectorModel, {
    metadata: [
      {
        name: METADATA_NAME,
        data: buildImageInputMetadata({
          modelName: 'face_detector',
          description: 'BlazeFace short-range face detector (896 SSD anchors).',
          author: 'Google MediaPipe',
          license: 'Apache-2.0',
          inputName: 'input',
          width: 128,
          height: 128,
          mean: 127.5,
          std: 127.5,
          outputNames: detectorModel.outputs.map((i) => detectorModel.tensors[i]!.name),
        }),
      },
    ],
  });

  const packed = listPackedFiles(src.meshLoader);
  const mesh = readModel(
    extractPackedFile(src.meshData, packed, 'face_landmark_with_attention.tflite'),
  );
  const landmarks = refineAttentionMesh(mesh, [
    {
      name: METADATA_NAME,
      data: buildImageInputMetadata({
        modelName: 'face_landmarks_detector',
        description: 'Attention face mesh with lips/eyes/iris refinement folded into the graph.',
        author: 'Google MediaPipe',
        license: 'Apache-2.0',
        inputName: 'input_1',
        width: 192,
        height: 192,
        mean: 0,
        std: 255,
        outputNames: ['landmarks_478', 'conv_faceflag'],
      }),
    },
  ]);
  const geometry = extractPackedFile(
    src.meshData,
    packed,
    'geometry_pipeline_metadata_landmarks.binarypb',
  ).slice();
  return { detector, landmarks, geometry };
}

export function bundleLandmarker(parts: LandmarkerParts): Uint8Array {
  return writeStoredZip([
    { name: 'face_detector.tflite', data: parts.detector },
    { name: 'face_landmarks_detector.tflite', data: parts.landmarks },
    { name: 'geometry_pipeline_metadata_landmarks.binarypb', data: parts.geometry },
  ]);
}
