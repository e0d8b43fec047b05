// A scratch file (not a test: the file a lab measures against) for the experiments that read, map
// or evict a file (the VM lab's file faults, the mmap vs read() lab), and a file mapping that is
// always unmapped.
//
// The file has no name from before its first byte (open_nameless_file): it lives through the
// open descriptor only (the inode is freed when the last descriptor closes and the last mapping
// goes), so no exit, not even SIGKILL in the middle of writing it, can leave it on disk.
// Eviction, mapping and reading back all work on the nameless inode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/fd.h"

namespace illusion::core {

// A new read-write file in `dir` that no path names: O_TMPFILE (open(2), Linux 3.11) where the
// filesystem supports it; else `<dir>/<stem>-XXXXXX` created with O_EXCL and unlinked before
// this returns, so the name exists only between two system calls and no byte is ever written
// under it. Throws std::system_error naming `dir` when neither works.
Fd open_nameless_file(const std::string& dir, const std::string& stem);

class ScratchFile {
 public:
  // Creates a nameless file in `dir` (open_nameless_file; `stem` names it in messages) of
  // `size_bytes` (a whole number of MiB), checking free disk space first (require_free_disk).
  // `progress`, when set, hears the fraction written.
  ScratchFile(const std::string& dir, const std::string& stem, std::uint64_t size_bytes,
              const std::function<void(double)>& progress = {});
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  int fd() const { return fd_.get(); }
  std::uint64_t size() const { return size_; }
  // "<dir>/<stem> (nameless)": for messages only, no file has this name.
  const std::string& path() const { return path_; }

  // Reads the whole file with pread(2), so its pages are in the page cache.
  void warm() const;
  // fsync(2), then posix_fadvise(POSIX_FADV_DONTNEED): the page cache drops clean pages only,
  // hence the fsync first. The call is advice; the caller checks residency afterwards.
  void evict() const;
  // Page-cache residency of the whole file (a temporary mapping and mincore(2)).
  std::optional<double> resident_fraction() const;
  // True when every byte read back with pread(2) is the pattern written at creation.
  bool contents_unchanged() const;

  // The pattern: the 64-bit word at byte offset 8*i of every test file is pattern_word(i), so
  // readers can check what they read without keeping a copy.
  static std::uint64_t pattern_word(std::uint64_t i) {
    return (i + 1) * 0x9e3779b97f4a7c15ull ^ 0xff51afd7ed558ccdull;
  }
  // Wrapping sum of the pattern's words over [offset, offset + bytes) (both multiples of 8).
  static std::uint64_t pattern_sum(std::uint64_t offset, std::uint64_t bytes);

 private:
  std::string path_;
  std::uint64_t size_ = 0;
  Fd fd_;
};

// A shared or private mapping of a whole ScratchFile, unmapped on destruction.
class FileMapping {
 public:
  FileMapping(const ScratchFile& file, int prot, int flags);
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;
  ~FileMapping();
  char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace illusion::core
