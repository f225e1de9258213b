// Turns MediaPipe's attention mesh (face_landmark_with_attention.tflite: mesh, lips, eyes, irises,
// face flag as seven outputs) into the two-output model FaceLandmarker expects:
// [landmarks 1x1x1x1434 (478 points x,y,z), face flag]. The appended ops reproduce the legacy
// landmark refinement inside the graph:
//   C  = CONCATENATION(mesh, lips, left eye, right eye, left iris, right iris)   1x1x1x1868
//   zl = MEAN(GATHER(C, left contour z), axis 3)                                 1x1x1x1
//   zr = MEAN(GATHER(C, right contour z), axis 3)                                1x1x1x1
//   D  = CONCATENATION(C, zl, zr)                                                1x1x1x1870
//   L  = GATHER(D, refined table)                                                1x1x1x1434
import {
  CONCAT_VALUES,
  REFINED_POINTS,
  SEGMENTS,
  irisZSources,
  refinedGatherTable,
} from './face-mesh-refinement';
import type { Builder } from './flatbuffer';
import {
  BuiltinOperator,
  BuiltinOptionsType,
  TensorType,
  TfliteError,
  type ModelView,
  type NewOperator,
  type NewTensor,
  editModel,
} from './tflite';

const OUTPUTS = [
  ['output_mesh_identity', SEGMENTS.mesh.values],
  ['output_lips', SEGMENTS.lips.values],
  ['output_left_eye', SEGMENTS.leftEye.values],
  ['output_right_eye', SEGMENTS.rightEye.values],
  ['output_left_iris', SEGMENTS.leftIris.values],
  ['output_right_iris', SEGMENTS.rightIris.values],
] as const;
const FACE_FLAG = 'conv_faceflag';
export const LANDMARKS_OUTPUT = 'landmarks_478';

const int32Bytes = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i]!, true);
  return out;
};

const concatOptions = (axis: number) => ({
  type: BuiltinOptionsType.ConcatenationOptions,
  write: (b: Builder) => {
    b.startObject(2);
    b.addFieldInt32(0, axis, 0);
    return b.endObject();
  },
});
const gatherOptions = (axis: number) => ({
  type: BuiltinOptionsType.GatherOptions,
  write: (b: Builder) => {
    b.startObject(1);
    b.addFieldInt32(0, axis, 0);
    return b.endObject();
  },
});
const reducerOptions = (keepDims: boolean) => ({
  type: BuiltinOptionsType.ReducerOptions,
  write: (b: Builder) => {
    b.startObject(1);
    b.addFieldInt8(0, keepDims ? 1 : 0, 0);
    return b.endObject();
  },
});

/** Adds the refinement ops; returns the edited model bytes (metadata is added by the caller). */
export function refineAttentionMesh(
  model: ModelView,
  metadata: { name: string; data: Uint8Array }[],
): Uint8Array {
  const byName = (name: string): number => {
    const t = model.tensors.find((x) => x.name === name);
    if (!t) throw new TfliteError(`attention mesh: tensor ${name} not found`);
    return t.index;
  };
  const inputs = OUTPUTS.map(([name, values]) => {
    const index = byName(name);
    const t = model.tensors[index]!;
    const shape = t.shape.join('x');
    if (shape !== `1x1x1x${values}` || t.type !== TensorType.FLOAT32) {
      throw new TfliteError(`attention mesh: ${name} is ${shape}, expected 1x1x1x${values}`);
    }
    return index;
  });
  const faceFlag = byName(FACE_FLAG);
  for (const i of [...inputs, faceFlag]) {
    if (!model.outputs.includes(i))
      throw new TfliteError(`attention mesh: tensor ${i} is not an output`);
  }

  const n = model.tensors.length;
  const tensors: NewTensor[] = [];
  const add = (t: NewTensor): number => tensors.push(t) - 1 + n;
  const f32 = TensorType.FLOAT32;
  const concat = add({ name: 'refine/concat', shape: [1, 1, 1, CONCAT_VALUES], type: f32 });
  const leftIdx = add({
    name: 'refine/left_iris_z_sources',
    shape: [16],
    type: TensorType.INT32,
    data: int32Bytes(irisZSources('left')),
  });
  const rightIdx = add({
    name: 'refine/right_iris_z_sources',
    shape: [16],
    type: TensorType.INT32,
    data: int32Bytes(irisZSources('right')),
  });
  const leftZs = add({ name: 'refine/left_contour_z', shape: [1, 1, 1, 16], type: f32 });
  const rightZs = add({ name: 'refine/right_contour_z', shape: [1, 1, 1, 16], type: f32 });
  const axis3 = add({
    name: 'refine/axis3',
    shape: [1],
    type: TensorType.INT32,
    data: int32Bytes([3]),
  });
  const leftZ = add({ name: 'refine/left_iris_z', shape: [1, 1, 1, 1], type: f32 });
  const rightZ = add({ name: 'refine/right_iris_z', shape: [1, 1, 1, 1], type: f32 });
  const all = add({ name: 'refine/concat_z', shape: [1, 1, 1, CONCAT_VALUES + 2], type: f32 });
  const table = add({
    name: 'refine/landmark_table',
    shape: [REFINED_POINTS * 3],
    type: TensorType.INT32,
    data: int32Bytes(refinedGatherTable()),
  });
  const landmarks = add({
    name: LANDMARKS_OUTPUT,
    shape: [1, 1, 1, REFINED_POINTS * 3],
    type: f32,
  });

  const operators: NewOperator[] = [
    {
      builtin: BuiltinOperator.CONCATENATION,
      inputs,
      outputs: [concat],
      options: concatOptions(3),
    },
    {
      builtin: BuiltinOperator.GATHER,
      inputs: [concat, leftIdx],
      outputs: [leftZs],
      options: gatherOptions(3),
    },
    {
      builtin: BuiltinOperator.MEAN,
      inputs: [leftZs, axis3],
      outputs: [leftZ],
      options: reducerOptions(true),
    },
    {
      builtin: BuiltinOperator.GATHER,
      inputs: [concat, rightIdx],
      outputs: [rightZs],
      options: gatherOptions(3),
    },
    {
      builtin: BuiltinOperator.MEAN,
      inputs: [rightZs, axis3],
      outputs: [rightZ],
      options: reducerOptions(true),
    },
    {
      builtin: BuiltinOperator.CONCATENATION,
      inputs: [concat, leftZ, rightZ],
      outputs: [all],
      options: concatOptions(3),
    },
    {
      builtin: BuiltinOperator.GATHER,
      inputs: [all, table],
      outputs: [landmarks],
      options: gatherOptions(3),
    },
  ];
  return editModel(model, { tensors, operators, outputs: [landmarks, faceFlag], metadata });
}
