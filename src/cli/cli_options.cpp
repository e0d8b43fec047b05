#include "cli/cli_options.h"

#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace illusion::cli {

CLI::Validator non_empty(const std::string& give) {
  return CLI::Validator(
      [give](std::string& value) {
        return value.empty() ? fmt::format("the value is empty; give {}", give) : std::string();
      },
      "");
}

CLI::Validator a_number(const std::string& example) {
  return CLI::Validator(
      [example](std::string& value) {
        double d = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, d);
        if (value.empty() || ec == std::errc::invalid_argument || ptr != end)
          return fmt::format("'{}' is not a number; give {}", value, example);
        if (ec == std::errc::result_out_of_range)
          return fmt::format("'{}' is out of range; give {}", value, example);
        return std::string();
      },
      "");
}

CLI::Validator a_cpu_number() {
  return CLI::Validator(
      [](std::string& value) {
        int cpu = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, cpu);
        if (value.empty() || ec == std::errc::invalid_argument || ptr != end)
          return fmt::format(
              "'{}' is not a CPU number; give one such as 0 ('illusion env' "
              "lists the CPUs this process may use)",
              value);
        if (ec == std::errc::result_out_of_range)
          return fmt::format(
              "there is no CPU {} ('illusion env' lists the CPUs this process may use)", value);
        return std::string();
      },
      "");
}

void add_output_options(CLI::App& command, report::OutputPaths& paths, const std::string& verb,
                        const std::string& type_name) {
  for (const report::OutputFormat& f : report::output_formats())
    command.add_option(f.flag, paths[f.flag], fmt::format("{} {} to {}", verb, f.what, type_name))
        ->type_name(type_name)
        ->check(a_file());
}

std::string help_footer(const HelpFooter& f) {
  std::string out;
  if (!f.needs.empty()) out += "\nREQUIREMENTS\n  " + f.needs + "\n";
  out += "\nEXAMPLES\n";
  for (const std::string& e : f.examples) out += "  " + e + "\n";
  out += "\nEXIT STATUS\n";
  for (const std::string& line : f.exit_status) out += "  " + line + "\n";
  out += "\nSEE ALSO\n  " + f.see_also;
  return out;
}

}  // namespace illusion::cli
