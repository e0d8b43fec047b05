// File-system helpers shared by the tests.
#pragma once

#include <dirent.h>

#include <string>
#include <vector>

namespace illusion::testing {

// Names in `dir` other than "." and ".." (empty when the directory cannot be read).
inline std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

}  // namespace illusion::testing
