/**
 * onnxruntime-web, loaded only when browser mode needs it (server mode never downloads its 14 MB of
 * WebAssembly). Runtime files (../../../docs and ../../shared/HOSTS-NOTES.md): ort.wasm.min.js (this
 * loader adds it as a script), ort-wasm-simd-threaded.mjs (served as JavaScript) and
 * ort-wasm-simd-threaded.wasm (served as application/wasm), all under `ortUrl`.
 */

/** The part of onnxruntime-web's API used here (typed locally: the bundle does not include ort). */
export interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface Ort {
  env: { wasm: { wasmPaths?: string; numThreads?: number } };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}

let loading: Promise<Ort> | null = null;

/** The global `ort`, adding `${ortUrl}ort.wasm.min.js` to the page first if it is not there yet. */
export function loadOrt(ortUrl: string): Promise<Ort> {
  const base = ortUrl.endsWith('/') ? ortUrl : `${ortUrl}/`;
  loading ??= new Promise<Ort>((resolve, reject) => {
    const existing = (globalThis as { ort?: Ort }).ort;
    if (existing) return resolve(existing);
    const s = document.createElement('script');
    s.src = `${base}ort.wasm.min.js`;
    s.onload = () => {
      const ort = (globalThis as { ort?: Ort }).ort;
      if (ort) resolve(ort);
      else reject(new Error(`${s.src} loaded but defined no global 'ort'`));
    };
    s.onerror = () => reject(new Error(`could not load ${s.src} (onnxruntime-web)`));
    document.head.appendChild(s);
  }).then((ort) => {
    ort.env.wasm.wasmPaths = new URL(base, location.href).href;
    // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP same-origin + COEP require-corp).
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    return ort;
  });
  loading.catch(() => (loading = null)); // a failed load may be retried
  return loading;
}
