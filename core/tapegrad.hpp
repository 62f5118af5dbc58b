#pragma once
// Everything in the core, in one include: tensors and ops, the tape, random numbers, gradcheck,
// printing, threads, safetensors files and atomic file writes.
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "core/gradcheck.hpp"
#include "core/half.hpp"
#include "core/ops.hpp"
#include "core/process_memory.hpp"
#include "core/quantize.hpp"
#include "core/random.hpp"
#include "core/safetensors.hpp"
#include "core/shape.hpp"
#include "core/sparse_grad.hpp"
#include "core/tape.hpp"
#include "core/tensor.hpp"
#include "core/threads.hpp"
