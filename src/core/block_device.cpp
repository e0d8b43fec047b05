#include "core/block_device.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/text_file.h"

namespace illusion::core {
namespace {

namespace fs = std::filesystem;

struct Mount {
  std::string device;  // "MAJ:MIN"
  std::string point, type, source;
};

// mountinfo writes a space, tab, newline or backslash in a path as \ooo (octal).
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto octal = [&](std::size_t k) { return s[k] >= '0' && s[k] <= '7'; };
    if (s[i] == '\\' && i + 3 < s.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// proc(5): "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
// ID, parent, MAJ:MIN, root, mount point, options, optional fields, "-", type, source, options.
std::optional<Mount> parse_mount(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> f;
  for (std::string word; in >> word;) f.push_back(word);
  const auto dash = std::find(f.begin(), f.end(), "-");
  if (f.size() < 5 || dash == f.end() || dash - f.begin() < 6 || f.end() - dash < 3)
    return std::nullopt;
  return Mount{f[2], unescape(f[4]), *(dash + 1), unescape(*(dash + 2))};
}

bool holds(const std::string& mount, const std::string& path) {
  if (mount == "/") return !path.empty() && path[0] == '/';
  return path == mount || (path.size() > mount.size() &&
                           path.compare(0, mount.size(), mount) == 0 && path[mount.size()] == '/');
}

// The mount holding `path`: the longest mount point above it, the later of two equal ones (a
// mount over a mount point hides the one below).
std::optional<Mount> mount_of(const std::string& mountinfo, const std::string& path) {
  std::optional<Mount> best;
  std::istringstream in(mountinfo);
  for (std::string line; std::getline(in, line);) {
    const std::optional<Mount> m = parse_mount(line);
    if (m && holds(m->point, path) && (!best || m->point.size() >= best->point.size())) best = m;
  }
  return best;
}

fs::path canonical_or_empty(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::canonical(p, ec);
  return ec ? fs::path() : c;
}

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// A partition's sysfs directory sits inside its disk's and holds a "partition" file.
fs::path whole_disk(const fs::path& dir) {
  return path_exists(dir / "partition") ? dir.parent_path() : dir;
}

// The sysfs directory of the device under `m`: /sys/dev/block/MAJ:MIN, or, for a filesystem on
// an anonymous device number (btrfs), the device its source names.
fs::path device_dir(const std::string& root, const Mount& m, std::string& why) {
  if (m.device.rfind("0:", 0) != 0) {
    const std::string link = root + "/sys/dev/block/" + m.device;
    fs::path dir = canonical_or_empty(link);
    if (dir.empty()) why = fmt::format("/sys/dev/block/{} unreadable", m.device);
    return dir;
  }
  const std::string_view mapper = "/dev/mapper/";
  if (m.source.rfind(mapper, 0) == 0) {
    const std::string name = m.source.substr(mapper.size());
    std::error_code ec;
    for (auto it = fs::directory_iterator(root + "/sys/block", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
      if (first_line((it->path() / "dm" / "name").string()) == name)
        return canonical_or_empty(it->path());
  } else if (m.source.rfind("/dev/", 0) == 0) {
    fs::path dir =
        canonical_or_empty(root + "/sys/class/block/" + fs::path(m.source).filename().string());
    if (!dir.empty()) return dir;
  }
  why = m.type == "tmpfs" || m.type == "ramfs" ? m.type + ": memory-backed, no disk under it"
        : m.type == "overlay"
            ? "overlay: the disks under its layers are not visible from here"
            : fmt::format("{} (source {}): no block device under it", m.type, m.source);
  return {};
}

// Drivers bound to the disk and to the devices above it, nearest first ("virtio_blk",
// "virtio-pci"; "sd", "virtio_scsi", "virtio-pci"; "nvme").
std::vector<std::string> drivers_of(const std::string& root, const fs::path& disk) {
  std::vector<std::string> out;
  const fs::path top = canonical_or_empty(root + "/sys");
  const auto walk = [&](fs::path dir) {
    for (int i = 0; i < 16 && !dir.empty() && dir != top && dir != dir.root_path(); ++i) {
      std::error_code ec;
      const fs::path target = fs::read_symlink(dir / "driver", ec);
      const std::string name = target.filename().string();
      if (!ec && !name.empty() && std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(name);
      dir = dir.parent_path();
    }
  };
  walk(disk);
  walk(canonical_or_empty(disk / "device"));  // NVMe with multipath: the disk is virtual/...
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

struct Verdict {
  std::optional<bool> value;
  bool may = false;
  std::string evidence;
};

// Drivers of the hypervisor's own disks: virtio, Xen's blkfront (bound as "vbd"), VMware's
// paravirtual SCSI, Hyper-V's storvsc.
constexpr std::array<std::string_view, 7> kVirtualDrivers = {
    "virtio_blk", "virtio_scsi", "virtio-pci", "vbd", "xen_blkfront", "vmw_pvscsi", "hv_storvsc"};
// Words in the model or vendor of a disk an emulator presents ("QEMU HARDDISK", "QEMU NVMe
// Ctrl", "VBOX HARDDISK", "VMware Virtual disk", Hyper-V's "Msft Virtual Disk").
constexpr std::array<std::string_view, 4> kVirtualModels = {"QEMU", "VBOX", "VMware", "Virtual"};

Verdict classify(const std::string& root, const fs::path& disk, bool virtualized, int depth,
                 std::string& driver) {
  const std::string name = disk.filename().string();
  if (starts_with(name, "loop"))
    return {std::nullopt, false,
            name + ": a loop device over a file; the disk under that file is not followed"};
  if (starts_with(name, "zram") || starts_with(name, "ram") || starts_with(name, "pmem"))
    return {std::nullopt, false, name + ": memory, not a disk"};
  if (starts_with(name, "nbd") || starts_with(name, "rbd"))
    return {std::nullopt, false, name + ": a network block device"};
  if (starts_with(name, "dm-") || starts_with(name, "md")) {
    std::vector<Verdict> under;
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(disk / "slaves", ec);
         depth < 4 && !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path slave = whole_disk(canonical_or_empty(it->path()));
      if (slave.empty()) continue;
      std::string ignored;
      names.push_back(slave.filename().string());
      under.push_back(classify(root, slave, virtualized, depth + 1, ignored));
    }
    if (under.empty())
      return {std::nullopt, false,
              name + ": a device-mapper or RAID device whose disks are not listed (slaves/)"};
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    Verdict v{under[0].value, false, ""};
    for (const Verdict& u : under) {
      if (u.value != v.value) v.value.reset();
      v.may = v.may || u.may || u.value == true;
      v.evidence += (v.evidence.empty() ? "" : "; ") + u.evidence;
    }
    if (v.value) v.may = false;
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    v.evidence = fmt::format("{} over {}: {}", name, list, v.evidence);
    return v;
  }
  const std::vector<std::string> drivers = drivers_of(root, disk);
  if (!drivers.empty()) driver = drivers.front();
  for (const std::string& d : drivers)
    if (std::find(kVirtualDrivers.begin(), kVirtualDrivers.end(), d) != kVirtualDrivers.end())
      return {true, false,
              fmt::format("{} is driven by {}, a hypervisor's paravirtual device", name, d)};
  for (const char* file : {"model", "vendor"}) {
    const std::string text = first_line((disk / "device" / file).string());
    for (std::string_view word : kVirtualModels)
      if (text.find(word) != std::string::npos)
        return {true, false,
                fmt::format("{}'s {} is \"{}\": emulated by the hypervisor", name, file, text)};
  }
  if (starts_with(name, "vd")) return {true, false, name + ": a virtio disk by its name (vd*)"};
  if (starts_with(name, "xvd"))
    return {true, false, name + ": a Xen virtual disk by its name (xvd*)"};
  const std::string what = starts_with(name, "nvme") ? "an NVMe drive"
                           : driver.empty()          ? "a disk"
                                                     : "a disk driven by " + driver;
  if (virtualized)
    return {std::nullopt, true,
            fmt::format("{} is {} in a VM: emulated by the hypervisor or passed through from "
                        "the host, which sysfs does not tell apart",
                        name, what)};
  return {false, false,
          fmt::format("{} is {} on a machine with no hypervisor: a physical device", name, what)};
}

}  // namespace

std::string default_scratch_dir() {
  const char* env = std::getenv("TMPDIR");
  return (env && *env) ? env : "/tmp";
}

ScratchDisk probe_scratch_disk(const std::string& root, const std::string& dir, bool virtualized) {
  ScratchDisk out;
  out.dir = dir.empty() ? default_scratch_dir() : dir;
  // The running machine's path as the kernel sees it (symlinks resolved); a fake tree's is taken
  // as written.
  if (root.empty()) {
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(out.dir, ec);
    if (!ec) out.dir = real.string();
  }
  const std::optional<std::string> mountinfo = read_text(root + "/proc/self/mountinfo");
  if (!mountinfo) {
    out.virtual_disk = {std::nullopt, "/proc/self/mountinfo unreadable"};
    return out;
  }
  const std::optional<Mount> mount = mount_of(*mountinfo, out.dir);
  if (!mount) {
    out.virtual_disk = {std::nullopt, "no mount in /proc/self/mountinfo holds " + out.dir};
    return out;
  }
  out.mount_point = mount->point;
  out.filesystem = mount->type;
  if (mount->type == "virtiofs") {
    out.virtual_disk = {true, "virtiofs: the files are the host's, shared into the VM"};
    return out;
  }
  std::string why;
  const fs::path device = device_dir(root, *mount, why);
  if (device.empty()) {
    out.virtual_disk = {std::nullopt, why};
    return out;
  }
  const fs::path disk = whole_disk(device);
  out.disk = disk.filename().string();
  const std::string rotational = first_line((disk / "queue" / "rotational").string());
  if (rotational == "0" || rotational == "1") out.rotational = rotational == "1";
  const Verdict v = classify(root, disk, virtualized, 0, out.driver);
  out.virtual_disk = {v.value, v.evidence};
  out.may_be_virtual = !v.value && v.may;
  return out;
}

}  // namespace illusion::core
