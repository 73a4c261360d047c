/** Name lists used by the Keras analysis. Facts about Keras, TensorFlow and CPython, not tuning knobs. */

/** Module roots that are Keras itself or its first-party ecosystem; references into them are resolved by Keras. */
export const KERAS_ROOTS: ReadonlySet<string> = new Set([
  'keras',
  'tf_keras',
  'tensorflow',
  'tf',
  'keras_hub',
  'keras_nlp',
  'keras_cv',
  'keras_rs',
]);

/** Keras optimizer classes (tf.keras 2.11+ saved them as "Custom>Adam"…). */
export const KERAS_OPTIMIZERS: ReadonlySet<string> = new Set(
  'Adam AdamW Adamax Adagrad Adadelta Adafactor Ftrl Lion Nadam RMSprop SGD LossScaleOptimizer'.split(' '),
);

/** Top-level classes of a whole Keras model config. */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Functional', 'Model']);

/** Keras 3 special serialisation markers (no module import behind them, except __typespec__). */
export const INTERNAL_CLASSES: ReadonlySet<string> = new Set([
  '__keras_tensor__',
  '__tensor__',
  '__numpy__',
  '__bytes__',
  '__ellipsis__',
  '__slice__',
  '__lambda__',
  '__typespec__',
  '__passive_serialization__',
]);

export type GadgetKind = 'safe-mode' | 'download' | 'file' | 'code';

/**
 * Functions and classes inside Keras / TensorFlow that do more than compute: matched on the last component of the
 * referenced name when the module is one of KERAS_ROOTS.
 */
export const KERAS_GADGETS: ReadonlyMap<string, { kind: GadgetKind; what: string }> = new Map([
  [
    'enable_unsafe_deserialization',
    { kind: 'safe-mode', what: 'turns safe mode off for the rest of the load' },
  ],
  ['set_global_attribute', { kind: 'safe-mode', what: 'sets Keras global state such as safe_mode_saving' }],
  ['SafeModeScope', { kind: 'safe-mode', what: 'opens a scope with safe mode switched off' }],
  [
    'deserialize_keras_object',
    { kind: 'safe-mode', what: 'deserialises a nested config (safe_mode can be passed)' },
  ],
  ['func_load', { kind: 'safe-mode', what: 'turns marshalled bytecode into a function' }],
  ['LazyModule', { kind: 'code', what: 'imports any module named in its arguments' }],
  ['get_file', { kind: 'download', what: 'downloads a file from a URL into the Keras cache' }],
  ['load_data', { kind: 'download', what: 'downloads a dataset' }],
  ['load_model', { kind: 'file', what: 'loads another model file' }],
  ['load_weights', { kind: 'file', what: 'loads another weights file' }],
  ['load_model_from_hdf5', { kind: 'file', what: 'loads another HDF5 model' }],
  ['load_weights_from_hdf5_group', { kind: 'file', what: 'loads weights from another HDF5 file' }],
  ['load_weights_from_hdf5_group_by_name', { kind: 'file', what: 'loads weights from another HDF5 file' }],
  ['load_weights_only', { kind: 'file', what: 'loads another weights file' }],
  ['model_from_json', { kind: 'file', what: 'builds a model from a nested, unscanned JSON string' }],
  ['model_from_config', { kind: 'file', what: 'builds a model from a nested config' }],
  ['model_from_yaml', { kind: 'file', what: 'builds a model from a nested, unscanned YAML string' }],
  ['TFSMLayer', { kind: 'file', what: 'loads a TensorFlow SavedModel from a path' }],
  ['save_model', { kind: 'file', what: 'writes a model file' }],
  ['save_weights', { kind: 'file', what: 'writes a weights file' }],
  ['load_img', { kind: 'file', what: 'reads an image file' }],
  ['save_img', { kind: 'file', what: 'writes an image file' }],
  ['extract_archive', { kind: 'file', what: 'extracts an archive to disk' }],
  ['plot_model', { kind: 'file', what: 'writes a file and runs the graphviz dot program' }],
  ['model_to_dot', { kind: 'file', what: 'runs the graphviz dot program' }],
  ['image_dataset_from_directory', { kind: 'file', what: 'reads files from a directory' }],
  ['text_dataset_from_directory', { kind: 'file', what: 'reads files from a directory' }],
  ['audio_dataset_from_directory', { kind: 'file', what: 'reads files from a directory' }],
  ['read_file', { kind: 'file', what: 'reads a file' }],
  ['write_file', { kind: 'file', what: 'writes a file' }],
  ['ReadFile', { kind: 'file', what: 'reads a file' }],
  ['WriteFile', { kind: 'file', what: 'writes a file' }],
  ['matching_files', { kind: 'file', what: 'lists files' }],
  ['MatchingFiles', { kind: 'file', what: 'lists files' }],
  ['GFile', { kind: 'file', what: 'opens a file or remote object' }],
  ['TFRecordWriter', { kind: 'file', what: 'writes a file' }],
  ['create_file_writer', { kind: 'file', what: 'writes summary files' }],
  ['enable_dump_debug_info', { kind: 'file', what: 'writes debug dumps to a directory' }],
  ['py_function', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['py_func', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['numpy_function', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['eager_py_func', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['EagerPyFunc', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['PyFunc', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['PyFuncStateless', { kind: 'code', what: 'calls a Python function from the graph' }],
  ['load_op_library', { kind: 'code', what: 'loads a native shared library' }],
  ['load_library', { kind: 'code', what: 'loads a native shared library' }],
  ['load_file_system_library', { kind: 'code', what: 'loads a native shared library' }],
  ['write_string_to_file', { kind: 'file', what: 'writes a file' }],
  ['atomic_write_string_to_file', { kind: 'file', what: 'writes a file' }],
  ['read_file_to_string', { kind: 'file', what: 'reads a file' }],
  ['recursive_create_dir', { kind: 'file', what: 'creates directories' }],
  ['delete_file', { kind: 'file', what: 'deletes a file' }],
  ['delete_recursively', { kind: 'file', what: 'deletes a directory tree' }],
]);

/** Path components below KERAS_ROOTS whose whole subtree touches files (tf.io.gfile, tf.saved_model.load…). */
export const KERAS_GADGET_SEGMENTS: ReadonlyMap<string, { kind: GadgetKind; what: string }> = new Map([
  ['gfile', { kind: 'file', what: 'tf.io.gfile reads and writes local and remote files' }],
  ['file_io', { kind: 'file', what: 'reads, writes and deletes local and remote files' }],
  ['saved_model', { kind: 'file', what: 'loads or writes a SavedModel' }],
  ['script_ops', { kind: 'code', what: 'calls Python functions from the graph' }],
  ['load_library', { kind: 'code', what: 'loads native shared libraries' }],
  ['file_utils', { kind: 'file', what: 'downloads, extracts, copies and deletes files' }],
  ['module_utils', { kind: 'code', what: 'imports modules named at run time' }],
  ['saving_api', { kind: 'file', what: 'loads and saves model files' }],
  ['saving_lib', { kind: 'file', what: 'loads and saves model files' }],
  ['legacy_h5_format', { kind: 'file', what: 'loads and saves HDF5 model files' }],
]);

/** Built-in function names that Keras resolves itself when the module is "builtins" (activations, losses…). */
export const KERAS_BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    'relu relu6 leaky_relu elu selu softplus softsign silu swish gelu tanh sigmoid hard_sigmoid hard_silu ' +
    'hard_swish exponential linear log_softmax softmax mish log_sigmoid celu glu sparse_plus squareplus ' +
    'soft_shrink hard_shrink tanh_shrink hard_tanh sparsemax threshold sparse_sigmoid ' +
    'mean_squared_error mse MSE mean_absolute_error mae MAE mean_absolute_percentage_error mape MAPE ' +
    'mean_squared_logarithmic_error msle MSLE binary_crossentropy categorical_crossentropy ' +
    'sparse_categorical_crossentropy hinge squared_hinge categorical_hinge kl_divergence kld KLD ' +
    'kullback_leibler_divergence poisson cosine_similarity huber log_cosh logcosh binary_focal_crossentropy ' +
    'categorical_focal_crossentropy ctc dice tversky circle ' +
    'accuracy acc binary_accuracy categorical_accuracy sparse_categorical_accuracy top_k_categorical_accuracy ' +
    'sparse_top_k_categorical_accuracy ' +
    'glorot_uniform glorot_normal he_uniform he_normal lecun_uniform lecun_normal zeros ones constant ' +
    'random_normal random_uniform truncated_normal orthogonal identity variance_scaling ' +
    'l1 l2 l1_l2 orthogonal_regularizer max_norm non_neg unit_norm min_max_norm'
  ).split(' '),
);

/** CPython builtins (module "builtins" + one of these is the real builtin, which pre-3.9 Keras imports). */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr ' +
    'globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max ' +
    'memoryview min next object oct open ord pow print property quit range repr reversed round set setattr ' +
    'slice sorted staticmethod str sum super tuple type vars zip __import__ __build_class__ __loader__ __spec__ ' +
    'execfile reload raw_input file reduce apply unicode'
  ).split(' '),
);

/**
 * Names in a code object's co_names (globals, attributes, imports) that reach processes, files, the network,
 * imports, dynamic code or interpreter internals. Any one makes a Lambda malicious.
 */
export const DANGEROUS_CODE_NAMES: ReadonlySet<string> = new Set(
  (
    'os posix nt sys subprocess builtins __builtins__ __builtin__ importlib import_module __import__ ' +
    'eval exec execfile compile open breakpoint ' +
    'system popen popen2 popen3 popen4 spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe ' +
    'execl execle execlp execlpe execv execve execvp execvpe fork forkpty kill killpg _exit posix_spawn ' +
    'Popen check_call check_output getoutput getstatusoutput ' +
    'unlink rmdir removedirs rmtree symlink chmod chown makedirs listdir scandir environ getenv putenv ' +
    'getattr setattr delattr globals locals vars __getattribute__ __getattr__ __setattr__ __globals__ ' +
    '__subclasses__ __bases__ __base__ __mro__ __class__ __code__ __closure__ __dict__ __reduce__ ' +
    '__reduce_ex__ __loader__ __spec__ __self__ __func__ __wrapped__ ' +
    'socket create_connection urllib urllib2 urlopen urlretrieve requests httplib ftplib ' +
    'smtplib telnetlib webbrowser ' +
    'pickle cPickle _pickle marshal shelve dill cloudpickle joblib ' +
    'shutil ctypes cdll CDLL pty runpy pdb codeop FunctionType CodeType ' +
    'b64decode a2b_base64 ' +
    'write_text write_bytes read_text read_bytes ' +
    'gfile GFile read_file write_file ReadFile WriteFile matching_files ' +
    'py_function py_func numpy_function eager_py_func load_op_library load_library ' +
    'get_file load_model enable_unsafe_deserialization set_global_attribute func_load'
  ).split(' '),
);

/** String constants in code that are dangerous on their own (module/function names fed to getattr or __import__). */
export const DANGEROUS_CODE_STRINGS: ReadonlySet<string> = new Set(
  (
    'os posix nt sys subprocess builtins __builtins__ __import__ importlib eval exec compile system popen ' +
    'Popen check_output getoutput socket pty ctypes shutil pickle marshal runpy webbrowser urllib requests ' +
    '__globals__ __subclasses__ __class__ __mro__ __bases__ __code__'
  ).split(' '),
);

/** Shell commands and remote locations inside code constants. */
export const SHELL_OR_URL =
  /(?:^|[\s;&|`$(])(?:\/bin\/|\/usr\/bin\/|sh\s+-c|bash\b|zsh\b|cmd(?:\.exe)?\s|powershell|curl\s|wget\s|nc\s+-|ncat\b|rm\s+-|chmod\s|echo\s)|\b[a-z][a-z0-9+.-]*:\/\/\S/i;

/** Layers whose config fields are paths or URLs that Keras reads when building the layer. */
export const PATH_FIELDS: ReadonlySet<string> = new Set([
  'vocabulary',
  'idf_weights',
  'merges',
  'proto',
  'vocabulary_file',
  'vocab_file',
  'merges_file',
  'spm_model_file',
  'filepath',
]);

/** TensorFlow Lambda wrappers of Keras 2 whose `function` names a TensorFlow API symbol. */
export const TF_OP_LAMBDAS: ReadonlySet<string> = new Set(['TFOpLambda', 'SlicingOpLambda']);
