/**
 * The GPU backend of WMF: native/cuda/als_cuda.cu built by `npm run build:cuda` into
 * build-cuda/libearshot_cuda.so (or the library named by EARSHOT_CUDA_LIB), loaded at run time.
 * Like implicit's HAS_CUDA, cudaStatus() says why the GPU cannot be used instead of crashing.
 */
import * as path from 'node:path';
import { nativeAddon } from '../../src/native/addon';

export function cudaLibraryPath(): string {
  // dist/trainer/wmf/cuda.js -> repository root is three levels up.
  return process.env.EARSHOT_CUDA_LIB ?? path.resolve(__dirname, '..', '..', '..', 'build-cuda', 'libearshot_cuda.so');
}

export type CudaStatus = { available: true; device: string; memoryBytes: number; library: string } | { available: false; reason: string; library: string };

export function cudaStatus(): CudaStatus {
  const library = cudaLibraryPath();
  try {
    const info = nativeAddon().cudaDeviceInfo(library);
    return { available: true, device: info.name, memoryBytes: info.memoryBytes, library };
  } catch (err) {
    return { available: false, reason: (err as Error).message, library };
  }
}
