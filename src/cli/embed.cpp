#include "embed.hpp"

#include "common.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"

#include <algorithm>

namespace labelqa::cli {

Invocation invoke(const std::vector<std::string>& args, const std::vector<std::string>& captured) {
  CLI::App app{"labelqa", "labelqa"};
  Action action;
  build_app(app, action);
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::Success&) {
    throw UsageError("help and --version are the command line's: run `labelqa " + (args.empty() ? std::string() : args.front()) + " --help`");
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  io::OutputCapture capture(captured);
  SilentTerminal silent;
  Invocation out;
  out.exit_code = action();
  out.outputs = capture.take();
  out.messages = silent.take();
  return out;
}

std::map<std::string, FlagShape> flag_shapes(const std::string& subcommand) {
  CLI::App app{"labelqa", "labelqa"};
  Action action;
  build_app(app, action);
  CLI::App* cmd = nullptr;
  try {
    cmd = app.get_subcommand(subcommand);
  } catch (const CLI::OptionNotFound&) {
    throw UsageError("no subcommand \"" + subcommand + "\"");
  }
  std::map<std::string, FlagShape> out;
  for (const CLI::Option* o : cmd->get_options()) {
    for (const auto& name : o->get_lnames()) {
      FlagShape shape;
      shape.takes_value = o->get_expected_max() > 0 && o->get_type_size_max() > 0;
      shape.repeatable = o->get_items_expected_max() > 1;
      out[name] = shape;
    }
  }
  return out;
}

}  // namespace labelqa::cli
