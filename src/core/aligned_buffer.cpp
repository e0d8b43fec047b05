#include "core/aligned_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/page_access.h"

namespace illusion::core {

AlignedBuffer::AlignedBuffer(std::size_t bytes) : size_(bytes) {
  const std::size_t page = page_size_bytes();
  mapped_ = std::max<std::size_t>(1, (bytes + page - 1) / page) * page;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw_errno(fmt::format("cannot map a {}-byte buffer", bytes));
  data_ = static_cast<char*>(p);
  std::memset(data_, 0, mapped_);
}

AlignedBuffer::~AlignedBuffer() {
  if (data_) ::munmap(data_, mapped_);
}

}  // namespace illusion::core
