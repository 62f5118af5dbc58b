#pragma once
// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected = 0x82F63B78), the checksum of iSCSI, ext4 and
// Snappy's framing. save_safetensors stores one per tensor in the file's metadata and load_safetensors
// checks it, so flipped bits in a checkpoint are an error rather than silently different weights.
//
//   uint32_t c = tg::crc32c(bytes, n);               // whole buffer
//   uint32_t c = tg::crc32c(more, m, c);             // continue a running checksum
//   tg::crc32c("123456789", 9) == 0xE3069283         // the standard check value
#include <cstddef>
#include <cstdint>

namespace tg {

uint32_t crc32c(const void* bytes, size_t n, uint32_t previous = 0);

}  // namespace tg
