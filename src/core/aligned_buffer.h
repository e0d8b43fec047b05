// A page-aligned buffer for IO, written once at construction.
//
// Page alignment satisfies O_DIRECT (which wants buffer, offset and length aligned to the
// device's logical block, open(2) NOTES) and keeps every 4 KiB block on exactly one page; the
// write at construction takes the buffer's first-touch faults before any timed op can.
#pragma once

#include <cstddef>

namespace illusion::core {

class AlignedBuffer {
 public:
  // At least one page; anonymous mmap(2), unmapped on destruction.
  explicit AlignedBuffer(std::size_t bytes);
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  char* data() const { return data_; }
  unsigned char* bytes() const { return reinterpret_cast<unsigned char*>(data_); }
  std::size_t size() const { return size_; }  // as asked, not rounded up

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace illusion::core
