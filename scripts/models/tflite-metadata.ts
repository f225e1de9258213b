// Writes a TFLite ModelMetadata flatbuffer (metadata_schema.fbs of TFLite Support, identifier
// M001) describing one RGB image input. MediaPipe Tasks refuses float image inputs without it:
// the NormalizationOptions tell it how to scale pixels before inference.
import { Builder, TableReader, float32Vector, offsetVector } from './flatbuffer';

/** Field ids from metadata_schema.fbs. */
const MODEL_METADATA = {
  name: 0,
  description: 1,
  version: 2,
  subgraphMetadata: 3,
  author: 4,
  license: 5,
  minParserVersion: 7,
};
const SUBGRAPH_METADATA = { name: 0, inputTensorMetadata: 2, outputTensorMetadata: 3 };
const TENSOR_METADATA = { name: 0, description: 1, content: 3, processUnits: 4 };
const CONTENT = { propertiesType: 0, properties: 1 };
const IMAGE_PROPERTIES = { colorSpace: 0, defaultSize: 1 };
const IMAGE_SIZE = { width: 0, height: 1 };
const PROCESS_UNIT = { optionsType: 0, options: 1 };
const NORMALIZATION = { mean: 0, std: 1 };
const CONTENT_PROPERTIES_IMAGE = 2; // union ContentProperties { FeatureProperties, ImageProperties, … }
const PROCESS_UNIT_NORMALIZATION = 1; // union ProcessUnitOptions { NormalizationOptions, … }
const COLOR_SPACE_RGB = 1;

export interface ImageInputMetadata {
  modelName: string;
  description: string;
  author: string;
  license: string;
  inputName: string;
  width: number;
  height: number;
  /** Pixel value p is fed as (p - mean) / std. */
  mean: number;
  std: number;
  /** Output tensor names, in graph order (documentation only). */
  outputNames: string[];
}

export function buildImageInputMetadata(m: ImageInputMetadata): Uint8Array {
  const b = new Builder(1024);

  const mean = float32Vector(b, [m.mean]);
  const std = float32Vector(b, [m.std]);
  b.startObject(2);
  b.addFieldOffset(NORMALIZATION.mean, mean, 0);
  b.addFieldOffset(NORMALIZATION.std, std, 0);
  const normalization = b.endObject();
  b.startObject(2);
  b.addFieldInt8(PROCESS_UNIT.optionsType, PROCESS_UNIT_NORMALIZATION, 0);
  b.addFieldOffset(PROCESS_UNIT.options, normalization, 0);
  const processUnits = offsetVector(b, [b.endObject()]);

  b.startObject(2);
  b.addFieldInt32(IMAGE_SIZE.width, m.width, 0);
  b.addFieldInt32(IMAGE_SIZE.height, m.height, 0);
  const size = b.endObject();
  b.startObject(2);
  b.addFieldInt8(IMAGE_PROPERTIES.colorSpace, COLOR_SPACE_RGB, 0);
  b.addFieldOffset(IMAGE_PROPERTIES.defaultSize, size, 0);
  const image = b.endObject();
  b.startObject(3);
  b.addFieldInt8(CONTENT.propertiesType, CONTENT_PROPERTIES_IMAGE, 0);
  b.addFieldOffset(CONTENT.properties, image, 0);
  const content = b.endObject();

  const inputName = b.createString(m.inputName);
  const inputDescription = b.createString(
    `RGB image ${m.width}x${m.height}, pixels normalised as (p - ${m.mean}) / ${m.std}.`,
  );
  b.startObject(5);
  b.addFieldOffset(TENSOR_METADATA.name, inputName, 0);
  b.addFieldOffset(TENSOR_METADATA.description, inputDescription, 0);
  b.addFieldOffset(TENSOR_METADATA.content, content, 0);
  b.addFieldOffset(TENSOR_METADATA.processUnits, processUnits, 0);
  const inputs = offsetVector(b, [b.endObject()]);

  const outputs = offsetVector(
    b,
    m.outputNames.map((n) => {
      const name = b.createString(n);
      b.startObject(1);
      b.addFieldOffset(TENSOR_METADATA.name, name, 0);
      return b.endObject();
    }),
  );

  b.startObject(4);
  b.addFieldOffset(SUBGRAPH_METADATA.inputTensorMetadata, inputs, 0);
  b.addFieldOffset(SUBGRAPH_METADATA.outputTensorMetadata, outputs, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);

  const name = b.createString(m.modelName);
  const description = b.createString(m.description);
  const author = b.createString(m.author);
  const license = b.createString(m.license);
  const minParser = b.createString('1.0.0');
  b.startObject(8);
  b.addFieldOffset(MODEL_METADATA.name, name, 0);
  b.addFieldOffset(MODEL_METADATA.description, description, 0);
  b.addFieldOffset(MODEL_METADATA.subgraphMetadata, subgraphs, 0);
  b.addFieldOffset(MODEL_METADATA.author, author, 0);
  b.addFieldOffset(MODEL_METADATA.license, license, 0);
  b.addFieldOffset(MODEL_METADATA.minParserVersion, minParser, 0);
  b.finish(b.endObject(), 'M001');
  return b.asUint8Array().slice();
}

/** The normalisation and size recorded in a metadata buffer (used by tests and checks). */
export function readImageInputMetadata(bytes: Uint8Array): {
  width: number;
  height: number;
  mean: number;
  std: number;
} {
  if (new TextDecoder().decode(bytes.subarray(4, 8)) !== 'M001') {
    throw new Error('not a TFLite ModelMetadata buffer (identifier M001 missing)');
  }
  const root = TableReader.root(bytes);
  const input = root
    .tables(MODEL_METADATA.subgraphMetadata)[0]
    ?.tables(SUBGRAPH_METADATA.inputTensorMetadata)[0];
  const image = input?.table(TENSOR_METADATA.content)?.table(CONTENT.properties);
  const size = image?.table(IMAGE_PROPERTIES.defaultSize);
  const norm = input?.tables(TENSOR_METADATA.processUnits)[0]?.table(PROCESS_UNIT.options);
  const first = (id: number): number => {
    const v = norm?.vector(id);
    return v ? norm!.bb.readFloat32(v.start) : Number.NaN;
  };
  return {
    width: size?.uint32(IMAGE_SIZE.width) ?? 0,
    height: size?.uint32(IMAGE_SIZE.height) ?? 0,
    mean: first(NORMALIZATION.mean),
    std: first(NORMALIZATION.std),
  };
}
