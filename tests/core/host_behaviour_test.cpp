// The optional-behaviour facts: each judge on the observations of hosts we may not have (a PVM
// guest with pvm_no_zero_page=1 and hypervisor TLB flushes, one CPU, no counter), the kernel-log
// reader on such a host's log, and the probes on this machine, which must decide.
#include "core/host_behaviour.h"

#include <string>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "core/interrupts.h"

using namespace illusion::core;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(ZeroPageJudge, SharedPagesAreTheZeroPageOwnPagesAreNot) {
  const BehaviourFact yes = judge_zero_page({16, 16, 0, 1, ""});
  EXPECT_EQ(yes.value, true);
  EXPECT_TRUE(mentions(yes.evidence, "all on 1 frame")) << yes.evidence;
  // The PVM guest: every read page is the process's own.
  const BehaviourFact no = judge_zero_page({16, 16, 16, std::nullopt, ""});
  EXPECT_EQ(no.value, false);
  EXPECT_TRUE(mentions(no.evidence, "no shared zero page")) << no.evidence;
}

TEST(ZeroPageJudge, AnythingElseIsUnknownWithTheReason) {
  const BehaviourFact mixed = judge_zero_page({16, 16, 5, std::nullopt, ""});
  EXPECT_FALSE(mixed.value.has_value());
  EXPECT_TRUE(mentions(mixed.evidence, "5 of 16")) << mixed.evidence;
  const BehaviourFact gone = judge_zero_page({16, 12, 0, std::nullopt, ""});
  EXPECT_FALSE(gone.value.has_value());
  EXPECT_TRUE(mentions(gone.evidence, "12 of the 16")) << gone.evidence;
  const BehaviourFact unreadable =
      judge_zero_page({0, 0, 0, std::nullopt, "cannot open /proc/self/pagemap: EACCES"});
  EXPECT_FALSE(unreadable.value.has_value());
  EXPECT_TRUE(mentions(unreadable.evidence, "EACCES")) << unreadable.evidence;
}

TEST(TlbFlushJudge, OneIpiPerMunmapOrNone) {
  TlbFlushObservation seen{2, true, 32, 33, 0, 1, ""};
  const BehaviourFact yes = judge_tlb_flush_ipis(seen);
  EXPECT_EQ(yes.value, true);
  EXPECT_TRUE(mentions(yes.evidence, "by 33 (1.03 per munmap)")) << yes.evidence;
  seen.shootdowns = 0;  // the PVM guest: the hypervisor flushed, nothing counted
  const BehaviourFact no = judge_tlb_flush_ipis(seen);
  EXPECT_EQ(no.value, false);
  EXPECT_TRUE(mentions(no.evidence, "without an IPI")) << no.evidence;
  seen.shootdowns = 9;  // a KVM guest whose host preempted the spinner's vCPU often: still IPIs
  EXPECT_EQ(judge_tlb_flush_ipis(seen).value, true);
  seen.shootdowns = 5;  // between: neither case
  EXPECT_FALSE(judge_tlb_flush_ipis(seen).value.has_value());
}

TEST(TlbFlushJudge, UndecidableHostsSayWhy) {
  const BehaviourFact one_cpu = judge_tlb_flush_ipis({1, true, 0, 0, -1, -1, ""});
  EXPECT_FALSE(one_cpu.value.has_value());
  EXPECT_TRUE(mentions(one_cpu.evidence, "1 CPU")) << one_cpu.evidence;
  const BehaviourFact no_line = judge_tlb_flush_ipis({4, false, 0, 0, -1, -1, ""});
  EXPECT_FALSE(no_line.value.has_value());
  EXPECT_TRUE(mentions(no_line.evidence, "no \"TLB:\" line")) << no_line.evidence;
  const BehaviourFact unplaced =
      judge_tlb_flush_ipis({2, true, 0, 0, 0, 1, "could not pin to CPU 1: EINVAL"});
  EXPECT_FALSE(unplaced.value.has_value());
  EXPECT_TRUE(mentions(unplaced.evidence, "EINVAL")) << unplaced.evidence;
}

TEST(RemoteFlushWords, NameTheIpiOnlyWhenCounted) {
  const BehaviourFact yes{true, "probe"}, no{false, "probe"}, unknown{std::nullopt, "probe"};
  EXPECT_TRUE(mentions(remote_flush_words(1.0, yes), "a TLB shootdown IPI to each CPU (1.00"));
  const std::string pvm = remote_flush_words(0.0, no);
  EXPECT_FALSE(mentions(pvm, "IPI to each")) << pvm;
  EXPECT_TRUE(mentions(pvm, "without IPIs")) << pvm;
  EXPECT_TRUE(mentions(remote_flush_words(std::nullopt, unknown), "likely by an IPI"));
  EXPECT_FALSE(mentions(remote_flush_words(std::nullopt, no), "IPI to each"));
  EXPECT_FALSE(mentions(remote_flush_words(0.1, unknown), "IPI to each"));
}

TEST(FactSummary, WordThenEvidence) {
  EXPECT_EQ(fact_summary({true, "seen"}), "yes (seen)");
  EXPECT_EQ(fact_summary({false, ""}), "no");
  EXPECT_EQ(fact_summary({std::nullopt, "why"}), "unknown (why)");
}

TEST(KernelLog, HypervisorNameFromTheBootLine) {
  const std::string pvm_log =
      "<5>[    0.000000] Linux version 6.18.0 (gcc 12)\n"
      "<6>[    0.000000] Hypervisor detected: PVM\n"
      "<6>[    0.000000] kvm-clock: Using msrs 4b564d01 and 4b564d00\n";
  EXPECT_EQ(hypervisor_from_kernel_log(pvm_log), "PVM");
  EXPECT_EQ(hypervisor_from_kernel_log("[0.0] Hypervisor detected: Microsoft Hyper-V\r\n"),
            "Microsoft Hyper-V");
  EXPECT_EQ(hypervisor_from_kernel_log("<5>[0.0] Linux version 6.1\n"), "");

  const KernelHypervisorName named = kernel_hypervisor_name(pvm_log, "");
  EXPECT_EQ(named.name, "PVM");
  const KernelHypervisorName metal = kernel_hypervisor_name("<5>[0.0] Linux version 6.1\n", "");
  EXPECT_EQ(metal.name, "");
  EXPECT_TRUE(mentions(metal.note, "names no hypervisor")) << metal.note;
  const KernelHypervisorName rotated = kernel_hypervisor_name("<6>[9999.1] eth0: link up\n", "");
  EXPECT_TRUE(mentions(rotated.note, "no longer holds the boot messages")) << rotated.note;
  const KernelHypervisorName closed =
      kernel_hypervisor_name(std::nullopt, "syslog(2): Operation not permitted");
  EXPECT_EQ(closed.name, "");
  EXPECT_TRUE(mentions(closed.note, "not readable")) << closed.note;
}

TEST(Interrupts, SumsTheTlbLineOverCpus) {
  const std::string text =
      "           CPU0       CPU1\n"
      "  0:         36          0   IO-APIC   2-edge      timer\n"
      "TLB:        484        509   TLB shootdowns\n";
  EXPECT_EQ(interrupt_line_total(text, "TLB:"), 993u);
  EXPECT_EQ(interrupt_line_total(text, "RES:"), std::nullopt);
  EXPECT_EQ(tlb_shootdowns_total("/nonexistent/interrupts"), std::nullopt);
}

// On this machine the probes must reach a decision wherever the method can: a test may never
// pass because detection failed. (Agreement with an independent reading is checked where the
// behaviour is used: the zero page against RssAnon in tests/vm/faults_test.cpp, the flush IPIs
// against the munmap row's own count in tests/mmap_vs_read/mmap_costs_test.cpp.)
TEST(Probes, DecideOnThisMachine) {
  const BehaviourFact zero = probe_zero_page();
  EXPECT_TRUE(zero.value.has_value()) << zero.evidence;
  const TlbFlushObservation seen = observe_tlb_flushes();
  const BehaviourFact ipis = judge_tlb_flush_ipis(seen);
  if (allowed_cpus().size() < 2) {
    EXPECT_FALSE(ipis.value.has_value());
    EXPECT_TRUE(mentions(ipis.evidence, "1 CPU")) << ipis.evidence;
  } else if (!tlb_shootdowns_total()) {
    EXPECT_FALSE(ipis.value.has_value());
    EXPECT_FALSE(seen.counter_present);
  } else {
    EXPECT_TRUE(ipis.value.has_value()) << ipis.evidence;
    EXPECT_EQ(seen.munmaps, 32u);
  }
}

TEST(ClockJudge, UserSpaceSyscallOrUnknown) {
  EXPECT_EQ(judge_clock_in_user_space(0, "", "tsc").value, true);
  // A host whose clocksource has no vDSO mode (hpet): the refused syscall makes the call fail.
  const BehaviourFact hpet = judge_clock_in_user_space(1, "", "hpet");
  EXPECT_EQ(hpet.value, false);
  EXPECT_TRUE(mentions(hpet.evidence, "hpet has no vDSO mode")) << hpet.evidence;
  const BehaviourFact none = judge_clock_in_user_space(std::nullopt, "seccomp unavailable", "tsc");
  EXPECT_FALSE(none.value.has_value());
  EXPECT_TRUE(mentions(none.evidence, "seccomp unavailable")) << none.evidence;
}

// The seccomp child tells a syscall from the vDSO on this machine: a CPU-time clock is never
// served by the vDSO, so it must come back refused; the probe itself must decide.
TEST(ClockProbe, SeesTheSyscallOfAClockTheVdsoNeverServes) {
  std::string why;
  EXPECT_EQ(observe_clock_syscall(CLOCK_PROCESS_CPUTIME_ID, why), 1) << why;
  const BehaviourFact monotonic = probe_clock_in_user_space("");
  EXPECT_TRUE(monotonic.value.has_value()) << monotonic.evidence;
}
