// The disk under the directory the labs write their test files in, as /proc/self/mountinfo and
// /sys/dev/block describe it: which disk, which driver, whether it spins, and whether it is the
// hypervisor's virtual disk. On a virtual disk a "cold" read or a major fault may be served by
// the host's page cache, not the device, so the cold figures may be faster than the hardware.
//
// Every path is read under a root prefix, as in env.h, so tests can describe other machines
// with a fake tree.
#pragma once

#include <optional>
#include <string>

#include "core/host_behaviour.h"

namespace illusion::core {

struct ScratchDisk {
  std::string dir;          // the directory looked at ($TMPDIR or /tmp, or run's --dir)
  std::string mount_point;  // the mount holding it, "" when mountinfo had none
  std::string filesystem;   // that mount's type in mountinfo ("ext4", "tmpfs", "overlay")
  std::string disk;         // the whole disk under it ("vda", "nvme0n1", "dm-0"); "" when none
  std::string driver;       // the driver nearest the disk ("virtio_blk", "nvme", "sd"); "" unknown
  std::optional<bool> rotational;  // queue/rotational; nullopt when unreadable
  // true: the hypervisor's disk (virtio_blk, Xen's vbd, an emulated controller); false: a
  // physical device; nullopt: unknown (no disk under it, or one that cannot be told apart).
  BehaviourFact virtual_disk;
  // Unknown, but possibly virtual: a controller in a VM that may be emulated by the hypervisor
  // or passed through from the host (an NVMe drive in a VM, say). Only with a nullopt value.
  bool may_be_virtual = false;
};

// $TMPDIR when set and not empty, else /tmp: where TempDir puts the run's files by default.
std::string default_scratch_dir();

// Reads `root`/proc/self/mountinfo and `root`/sys for the filesystem holding `dir` ("" means
// default_scratch_dir()). `virtualized` is whether the machine is a VM (env.h), which turns a
// disk of no known virtual kind from "physical" into "may be virtual". Never throws.
ScratchDisk probe_scratch_disk(const std::string& root, const std::string& dir, bool virtualized);

}  // namespace illusion::core
