// CUDA implicit ALS (conjugate-gradient solver), built as its own shared library with nvcc
// (`npm run build:cuda` -> build-cuda/libearshot_cuda.so) and loaded at run time by the addon, so the
// normal build never needs CUDA. Plain C ABI: every call returns 0 or writes a message into err.
// The matrices and both factor sets stay on the GPU across iterations.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct EarshotCudaAls EarshotCudaAls;

// byUser: rows = users, columns = items; byItem: its transpose. conf: confidence per entry.
// X0 (users x factors) and Y0 (items x factors): initial factors. factors <= 1024.
EarshotCudaAls* earshot_cuda_als_create(const int32_t* userIndptr, const int32_t* userIndices, const float* userConf, int users,
                                        const int32_t* itemIndptr, const int32_t* itemIndices, const float* itemConf, int items,
                                        int factors, double lambda, int cgSteps, const float* X0, const float* Y0,
                                        char* err, int errLen);
// One ALS iteration: users (items fixed), then items (users fixed).
int earshot_cuda_als_iterate(EarshotCudaAls* ctx, char* err, int errLen);
int earshot_cuda_als_download(EarshotCudaAls* ctx, float* X, float* Y, char* err, int errLen);
void earshot_cuda_als_destroy(EarshotCudaAls* ctx);
// Name of device 0 and its memory (bytes), or an error if no usable GPU.
int earshot_cuda_device_info(char* name, int nameLen, double* memoryBytes, char* err, int errLen);

#ifdef __cplusplus
}
#endif
