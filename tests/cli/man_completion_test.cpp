// illusion(1) and the shell completions (issue 22): the page is built from --help and holds
// every command's options and sections; the bash completion completes commands, options and a
// known experiment id from the program itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "core/command.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;
using illusion::testing::run_program;
using illusion::testing::slurp;

std::string man_page_path() {
  return (std::filesystem::path(ILLUSION_BINARY).parent_path() / "illusion.1").string();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What the bash completion offers for the words typed (the last one being completed).
std::string bash_completes(const std::string& words) {
  const std::string dir = std::filesystem::path(ILLUSION_BINARY).parent_path().string();
  const std::string script = std::string(ILLUSION_SOURCE_DIR) + "/completions/illusion.bash";
  const auto o =
      run_program({"bash", "-c",
                   "source '" + script + "'; PATH='" + dir + "':$PATH; COMP_WORDS=(" + words +
                       "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _illusion; printf '%s\\n' "
                       "\"${COMPREPLY[@]}\""});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return o.out;
}

}  // namespace

TEST(ManPage, IsBuiltFromEveryCommandsHelp) {
  ASSERT_TRUE(std::filesystem::exists(man_page_path())) << man_page_path();
  const std::string page = slurp(man_page_path());
  EXPECT_TRUE(has(page, ".TH ILLUSION 1")) << page.substr(0, 200);
  for (const std::string cmd :
       {"list", "env", "run", "report", "compare", "budget", "stability", "verify"}) {
    EXPECT_TRUE(has(page, ".SS illusion " + cmd)) << cmd;
    // Every option line of the command's help is in the page, as printed.
    const std::string help = run_illusion({cmd, "--help"}).out;
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("  --", 0) == 0) {
        EXPECT_TRUE(has(page, line)) << cmd << ": " << line;
      }
  }
  EXPECT_TRUE(has(page, "EXIT STATUS"));
}

TEST(ManPage, RendersWithMan) {
  if (!illusion::core::program_in_path("man")) GTEST_SKIP() << "man is not installed";
  const auto o = run_program({"man", "-l", man_page_path()}, {"MANPAGER=cat", "MANWIDTH=80"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.out, "EXAMPLES")) << o.out.substr(0, 300);
  EXPECT_TRUE(has(o.out, "illusion run")) << o.out.substr(0, 300);
}

TEST(Completion, BashCompletesCommandsOptionsAndIds) {
  if (!illusion::core::program_in_path("bash")) GTEST_SKIP() << "bash is not installed";
  EXPECT_EQ(bash_completes("illusion re"), "report\n");
  EXPECT_TRUE(has(bash_completes("illusion run --js"), "--json\n"));
  EXPECT_EQ(bash_completes("illusion run syscalls.getppid_r"), "syscalls.getppid_raw\n");
  EXPECT_TRUE(has(bash_completes("illusion run vm"), "vm.first_touch\n"));
  EXPECT_TRUE(has(bash_completes("illusion env --"), "--json\n"));
}

TEST(Completion, FishAndZshScriptsParse) {
  const std::string dir = std::string(ILLUSION_SOURCE_DIR) + "/completions/";
  bool any = false;
  if (illusion::core::program_in_path("fish")) {
    any = true;
    EXPECT_EQ(run_program({"fish", "-n", dir + "illusion.fish"}).exit_code, 0);
  }
  if (illusion::core::program_in_path("zsh")) {
    any = true;
    EXPECT_EQ(run_program({"zsh", "-n", dir + "_illusion"}).exit_code, 0);
  }
  if (!any) GTEST_SKIP() << "neither fish nor zsh is installed";
}
