// labelqa: is this delivery of labels trustworthy? Entry point: parses the command line, runs one
// subcommand, and turns errors into messages and exit codes (the core never prints or exits).
#include "common.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/atomic_file.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <new>

int main(int argc, char** argv) {
  using labelqa::ExitCode;
  std::signal(SIGPIPE, SIG_IGN);  // a closed output pipe is not an error
  std::signal(SIGXFSZ, SIG_IGN);  // past the file size limit (ulimit -f): a write error, like a full disk
  CLI::App app{"labelqa: checks whether delivered labels can be trusted (agreement, gold scores, validation)",
               "labelqa"};
  labelqa::cli::Action action;
  labelqa::cli::build_app(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::bad_input);
  }
  // The flag of a setting the core names (request field "item_col" is --item-col).
  auto flag_hint = [](const std::string& setting) {
    if (setting.empty()) return std::string();
    std::string flag = setting;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return " (see --" + flag + ")";
  };
  try {
    return action();
  } catch (const labelqa::io::ReaderGone&) {
    return static_cast<int>(ExitCode::ok);  // the reader of standard output went away: a quiet end
  } catch (const labelqa::InputError& e) {
    std::fprintf(stderr, "labelqa: error: %s%s\n", e.what(), flag_hint(e.setting()).c_str());
  } catch (const labelqa::UsageError& e) {
    std::fprintf(stderr, "labelqa: usage error: %s%s\n", e.what(), flag_hint(e.setting()).c_str());
  } catch (const std::bad_alloc&) {
    // Every limit of docs/limits.md is checked before the memory it guards is asked for: reaching
    // this is a limit missing, and the user is told so rather than left with "out of memory".
    std::fprintf(stderr,
                 "labelqa: error: the memory this run asked for could not be had, and no limit of docs/limits.md refused the input first "
                 "(a limit is missing: please report the command and the input's shape)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "labelqa: error: %s\n", e.what());
  }
  return static_cast<int>(ExitCode::bad_input);
}
