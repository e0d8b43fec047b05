// Every usage error exits 2 with a message that names the problem, before any work; the
// informational commands exit 0.
#include <gtest/gtest.h>

#include "support/subprocess.h"

using illusion::testing::run_illusion;

namespace {
void expect_usage_error(const std::vector<std::string>& args, const std::string& mention) {
  const auto o = run_illusion(args);
  std::string shown;
  for (const auto& a : args) shown += a + " ";
  EXPECT_EQ(o.exit_code, 2) << shown << "\nstderr: " << o.err;
  EXPECT_NE(o.err.find(mention), std::string::npos) << shown << "\nstderr: " << o.err;
  EXPECT_NE(o.err.find("illusion: error:"), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty()) << "no results may be printed for a usage error: " << o.out;
}
}  // namespace

TEST(CliErrors, UnknownCommand) {
  expect_usage_error({"frobnicate"}, "frobnicate");
}
TEST(CliErrors, UnknownLab) {
  expect_usage_error({"run", "nosuchlab"}, "'nosuchlab'");
}
TEST(CliErrors, UnknownLabSuggestsList) {
  expect_usage_error({"run", "nosuchlab"}, "illusion list");
}
// `illusion run "$ROWS"` with ROWS unset must not run all 124 experiments.
TEST(CliErrors, EmptyTarget) {
  expect_usage_error({"run", ""}, "empty target");
}
// A pattern that only begins ids names the prefix form to write.
TEST(CliErrors, IncompleteIdSuggestsThePrefixForm) {
  expect_usage_error({"run", "syscalls.getppid"}, "'syscalls.getppid*'");
}
// Typos get the nearest name (issue 22); nothing near enough gets no guess.
TEST(CliErrors, MistypedIdSuggestsTheNearest) {
  expect_usage_error({"run", "syscalls.getpid_raw"}, "did you mean 'syscalls.getppid_raw'?");
}
TEST(CliErrors, MistypedOptionSuggestsTheNearest) {
  expect_usage_error({"run", "--jsn", "x.json"}, "did you mean '--json'?");
}
TEST(CliErrors, MistypedCommandSuggestsTheNearest) {
  expect_usage_error({"rn"}, "did you mean 'run'?");
}
TEST(CliErrors, NoGuessForNothingNear) {
  const auto o = run_illusion({"run", "nosuchlab"});
  EXPECT_EQ(o.err.find("did you mean"), std::string::npos) << o.err;
}
// Not CLI11's internal "b is required".
TEST(CliErrors, CompareWithOneFileSaysWhatItNeeds) {
  expect_usage_error({"compare", "a.json"}, "compare needs two run files");
  expect_usage_error({"compare"}, "illusion compare A.json B.json");
}
TEST(CliErrors, UnknownFlag) {
  expect_usage_error({"run", "--bogus"}, "--bogus");
}
TEST(CliErrors, BadPinNumber) {
  expect_usage_error({"run", "--pin", "abc"}, "--pin");
}
TEST(CliErrors, PinOutsideAllowedCpus) {
  expect_usage_error({"run", "--pin", "4096"}, "--pin 4096");
}
TEST(CliErrors, QuickAndThoroughExclude) {
  expect_usage_error({"run", "--quick", "--thorough"}, "--thorough");
}
TEST(CliErrors, JsonInMissingDirectory) {
  expect_usage_error({"run", "syscalls", "--json", "/nonexistent-illusion-dir/run.json"},
                     "/nonexistent-illusion-dir");
}
TEST(CliErrors, JsonUnderARegularFile) {
  expect_usage_error({"run", "syscalls", "--json", "/proc/version/run.json"}, "--json");
}

TEST(CliErrors, DirThatDoesNotExist) {
  expect_usage_error({"run", "mmap_vs_read", "--dir", "/nonexistent-illusion-dir"},
                     "--dir /nonexistent-illusion-dir");
}
TEST(CliErrors, DirThatIsAFile) {
  expect_usage_error({"run", "mmap_vs_read", "--dir", "/proc/version"}, "not a directory");
}
// procfs refuses new files even to root, for whom access(2) would say "writable".
TEST(CliErrors, DirWhereFilesCannotBeCreated) {
  expect_usage_error({"run", "mmap_vs_read", "--dir", "/proc"}, "cannot create files in /proc");
}
TEST(CliErrors, DirWithoutRoomForTheTestFile) {
  expect_usage_error({"run", "mmap_vs_read", "--file-size", "100000T"}, "free");
}
TEST(CliErrors, FileSizeNotWholeMiB) {
  expect_usage_error({"run", "mmap_vs_read", "--file-size", "1500K"}, "whole number of MiB");
}
TEST(CliErrors, FileSizeGarbage) {
  expect_usage_error({"run", "mmap_vs_read", "--file-size", "-5M"}, "--file-size");
}

TEST(CliInfo, Version) {
  for (const char* flag : {"--version", "-V"}) {
    const auto o = run_illusion({flag});
    EXPECT_EQ(o.exit_code, 0) << flag;
    EXPECT_NE(o.out.find("illusion 0."), std::string::npos) << flag << ": " << o.out;
  }
}

TEST(CliInfo, HelpEverywhere) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--help"}, {"run", "--help"}, {"list", "--help"}, {"env", "--help"}}) {
    const auto o = run_illusion(args);
    EXPECT_EQ(o.exit_code, 0) << args[0];
    EXPECT_NE(o.out.find("Usage"), std::string::npos) << o.out;
  }
}

TEST(CliInfo, ListShowsEveryLabExperiment) {
  const auto o = run_illusion({"list"});
  EXPECT_EQ(o.exit_code, 0);
  for (const char* id : {"syscalls.function_call", "syscalls.getppid_raw", "syscalls.read_4k",
                         "syscalls.loop_every_10", "syscalls.uring_batch_64"})
    EXPECT_NE(o.out.find(id), std::string::npos) << id;
}

TEST(CliInfo, EnvDescribesTheMachine) {
  const auto o = run_illusion({"env"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  for (const char* key : {"kernel", "clocksource", "perf_event_paranoid"})
    EXPECT_NE(o.out.find(key), std::string::npos) << key << "\n" << o.out;
}

// Every command's --help ends with what it needs to know to use it: examples that start with
// the command itself, the exit statuses, and where to read more (issue 22).
TEST(CliInfo, EveryHelpHasExamplesAndExitStatus) {
  for (const std::string cmd :
       {"", "list", "env", "run", "report", "compare", "budget", "stability", "verify"}) {
    const auto o = cmd.empty() ? run_illusion({"--help"}) : run_illusion({cmd, "--help"});
    EXPECT_EQ(o.exit_code, 0) << cmd;
    EXPECT_NE(o.out.find("\nEXAMPLES\n  illusion " + cmd), std::string::npos) << cmd << o.out;
    EXPECT_NE(o.out.find("\nEXIT STATUS\n  0 "), std::string::npos) << cmd << o.out;
    EXPECT_NE(o.out.find("2 a usage error"), std::string::npos) << cmd << o.out;
    EXPECT_NE(o.out.find("\nSEE ALSO\n"), std::string::npos) << cmd << o.out;
  }
  // verify says what it needs.
  const auto verify = run_illusion({"verify", "--help"});
  EXPECT_NE(verify.out.find("REQUIREMENTS"), std::string::npos);
  EXPECT_NE(verify.out.find("strace"), std::string::npos);
}
