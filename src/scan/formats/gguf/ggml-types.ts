/** ggml tensor types: name, elements per block and bytes per block (from the public ggml type table). */
export interface GgmlType {
  name: string;
  blockSize: number;
  typeSize: number;
  /** Removed from current ggml; older loaders still read it. */
  legacy?: boolean;
}

const T = (name: string, blockSize: number, typeSize: number, legacy?: boolean): GgmlType =>
  legacy ? { name, blockSize, typeSize, legacy } : { name, blockSize, typeSize };

export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map([
  [0, T('F32', 1, 4)],
  [1, T('F16', 1, 2)],
  [2, T('Q4_0', 32, 18)],
  [3, T('Q4_1', 32, 20)],
  [6, T('Q5_0', 32, 22)],
  [7, T('Q5_1', 32, 24)],
  [8, T('Q8_0', 32, 34)],
  [9, T('Q8_1', 32, 36)],
  [10, T('Q2_K', 256, 84)],
  [11, T('Q3_K', 256, 110)],
  [12, T('Q4_K', 256, 144)],
  [13, T('Q5_K', 256, 176)],
  [14, T('Q6_K', 256, 210)],
  [15, T('Q8_K', 256, 292)],
  [16, T('IQ2_XXS', 256, 66)],
  [17, T('IQ2_XS', 256, 74)],
  [18, T('IQ3_XXS', 256, 98)],
  [19, T('IQ1_S', 256, 50)],
  [20, T('IQ4_NL', 32, 18)],
  [21, T('IQ3_S', 256, 110)],
  [22, T('IQ2_S', 256, 82)],
  [23, T('IQ4_XS', 256, 136)],
  [24, T('I8', 1, 1)],
  [25, T('I16', 1, 2)],
  [26, T('I32', 1, 4)],
  [27, T('I64', 1, 8)],
  [28, T('F64', 1, 8)],
  [29, T('IQ1_M', 256, 56)],
  [30, T('BF16', 1, 2)],
  [31, T('Q4_0_4_4', 32, 18, true)],
  [32, T('Q4_0_4_8', 32, 18, true)],
  [33, T('Q4_0_8_8', 32, 18, true)],
  [34, T('TQ1_0', 256, 54)],
  [35, T('TQ2_0', 256, 66)],
  [36, T('IQ4_NL_4_4', 32, 18, true)],
  [37, T('IQ4_NL_4_8', 32, 18, true)],
  [38, T('IQ4_NL_8_8', 32, 18, true)],
  [39, T('MXFP4', 32, 17)],
]);

/** llama.cpp `general.file_type` values (llama_ftype), for reporting the quantisation. */
export const FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'ALL_F32'],
  [1, 'MOSTLY_F16'],
  [2, 'MOSTLY_Q4_0'],
  [3, 'MOSTLY_Q4_1'],
  [7, 'MOSTLY_Q8_0'],
  [8, 'MOSTLY_Q5_0'],
  [9, 'MOSTLY_Q5_1'],
  [10, 'MOSTLY_Q2_K'],
  [11, 'MOSTLY_Q3_K_S'],
  [12, 'MOSTLY_Q3_K_M'],
  [13, 'MOSTLY_Q3_K_L'],
  [14, 'MOSTLY_Q4_K_S'],
  [15, 'MOSTLY_Q4_K_M'],
  [16, 'MOSTLY_Q5_K_S'],
  [17, 'MOSTLY_Q5_K_M'],
  [18, 'MOSTLY_Q6_K'],
  [19, 'MOSTLY_IQ2_XXS'],
  [20, 'MOSTLY_IQ2_XS'],
  [21, 'MOSTLY_Q2_K_S'],
  [22, 'MOSTLY_IQ3_XS'],
  [23, 'MOSTLY_IQ3_XXS'],
  [24, 'MOSTLY_IQ1_S'],
  [25, 'MOSTLY_IQ4_NL'],
  [26, 'MOSTLY_IQ3_S'],
  [27, 'MOSTLY_IQ3_M'],
  [28, 'MOSTLY_IQ2_S'],
  [29, 'MOSTLY_IQ2_M'],
  [30, 'MOSTLY_IQ4_XS'],
  [31, 'MOSTLY_IQ1_M'],
  [32, 'MOSTLY_BF16'],
  [36, 'MOSTLY_TQ1_0'],
  [37, 'MOSTLY_TQ2_0'],
  [38, 'MOSTLY_MXFP4_MOE'],
]);

/** GGUF metadata value types. */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Byte size of fixed-size value types; undefined for string, array and unknown types. */
export function scalarSize(t: number): number | undefined {
  switch (t) {
    case ValueType.UINT8:
    case ValueType.INT8:
    case ValueType.BOOL:
      return 1;
    case ValueType.UINT16:
    case ValueType.INT16:
      return 2;
    case ValueType.UINT32:
    case ValueType.INT32:
    case ValueType.FLOAT32:
      return 4;
    case ValueType.UINT64:
    case ValueType.INT64:
    case ValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

export const VALUE_TYPE_NAMES = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'bool',
  'string',
  'array',
  'uint64',
  'int64',
  'float64',
];
