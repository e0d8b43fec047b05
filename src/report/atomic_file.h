// Writing output files so that a reader never sees half of one, and checking output paths
// before a run spends a minute measuring.
#pragma once

#include <string>
#include <string_view>

namespace illusion::report {

// Writes `content` to `path` atomically: a new temporary file in the same directory (so the
// rename stays within one filesystem), every byte written, fsync(2), then rename(2) over the
// target. rename replaces a symlink at `path` itself instead of writing through it. On any
// failure the temporary file is removed and std::system_error names the path.
//
// Replacing a file must not widen who may read it: when `path` is a regular file (lstat: a
// symlink is replaced, not its target, so a link gets a new file like a new path does), the new
// file takes its permission bits (0777 of them: never setuid, setgid or sticky, which a report
// has no use for). A new path gets 0644 less the umask, as open(2) gives any new file. The
// owner and group are kept only when running as root: `sudo illusion run --json ~/run.json`
// over the user's file must leave it the user's (a root-owned 0644 file in their home cannot be
// rewritten by them); an unprivileged process cannot give a file away (chown(2)), and its new
// file is its own, as with any editor that writes and renames. A failed fchown (a user
// namespace without that id) keeps root's ownership rather than failing the write. ACLs and
// extended attributes are not copied.
void write_file_atomically(const std::string& path, std::string_view content);

// Throws core::UsageError, naming `flag` and the fix, when `path` cannot be written: its
// directory is missing, is not a directory or refuses a new file (tried, not inferred from
// permission bits, so it holds for root and for procfs), `path` is a directory, or `path` is a
// device, FIFO or socket (or a symlink to one), or an entry of /dev, which the rename would
// replace. Called before any measurement so a typo costs no time.
void check_output_path(const std::string& path, const std::string& flag);

}  // namespace illusion::report
