/**
 * Loads TensorFlow.js core with the WASM backend (the pure-JS cpu backend as fallback), once per process.
 * Only the functional API is used (`tf.add(a, b)`), as tfjs-core alone does not install the chained ops.
 */
import { BulwarkError } from '../../../core/errors.js';
import { oneLine } from './common.js';

export type Tf = typeof import('@tensorflow/tfjs-core');

let tfPromise: Promise<Tf> | undefined;

const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients.js';

/**
 * A resolve hook that adds the `.js` extension tfjs-core's ESM files leave out of their relative imports
 * (they are written for bundlers). Only specifiers inside tfjs-core's dist/ folder are touched.
 */
const RESOLVE_HOOK = `export async function resolve(specifier, context, next) {
  const parent = context.parentURL || '';
  if (specifier.startsWith('.') && !specifier.endsWith('.js') && parent.includes('/@tensorflow/tfjs-core/dist/')) {
    try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
  }
  return next(specifier, context);
}`;

/**
 * tfjs-core registers no gradient functions by itself (the full tfjs package imports them). Their ESM files use
 * extensionless imports, which Node's resolver refuses, so a narrow resolve hook is installed when needed.
 */
async function registerGradients(): Promise<void> {
  // Install the hook before the first import: Node caches a failed module resolution, so "try, then hook"
  // cannot work. The hook only rewrites extensionless relative imports made from inside tfjs-core's dist/.
  const { register } = await import('node:module');
  if (typeof register === 'function')
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, import.meta.url);
  await import(GRADIENTS);
}

/** tfjs-core with a ready backend: 'wasm' when it loads, otherwise 'cpu'. `BULWARK_TF_BACKEND=cpu` forces cpu. */
export async function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    let tf: Tf;
    try {
      tf = await import('@tensorflow/tfjs-core');
      await registerGradients();
      // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
      tf.enableProdMode();
    } catch (err) {
      throw new BulwarkError(
        'E_UNSUPPORTED',
        `@tensorflow/tfjs-core could not be loaded (${oneLine(err)}); reinstall the package dependencies`,
      );
    }
    const want = process.env.BULWARK_TF_BACKEND === 'cpu' ? 'cpu' : 'wasm';
    if (want === 'wasm') {
      try {
        await import('@tensorflow/tfjs-backend-wasm');
        if ((await tf.setBackend('wasm')) === true) {
          await tf.ready();
          return tf;
        }
      } catch {
        // fall through to the cpu backend
      }
    }
    await import('@tensorflow/tfjs-backend-cpu');
    if ((await tf.setBackend('cpu')) !== true) {
      throw new BulwarkError('E_UNSUPPORTED', 'no TensorFlow.js backend (wasm or cpu) could be initialised');
    }
    await tf.ready();
    return tf;
  })().catch((err: unknown) => {
    tfPromise = undefined;
    throw err;
  });
  return tfPromise;
}
