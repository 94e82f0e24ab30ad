// Runs every command through the core library alone (no src/cli, no CLI11) and writes each JSON
// report into OUT_DIR; tests/core/test_core_commands.py compares them with the CLI's bytes.
// Usage (from the source folder, so that input paths read as the CLI's): core_commands OUT_DIR
#include "labelqa/commands/agree.hpp"
#include "labelqa/commands/gold.hpp"
#include "labelqa/commands/report.hpp"
#include "labelqa/error.hpp"
#include "labelqa/io/policy_reader.hpp"
#include "labelqa/report/validate_report.hpp"
#include "labelqa/validate/delivery.hpp"

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

namespace {

using namespace labelqa;

void save(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string agree_objects() {
  commands::AgreeRequest r;
  r.files = {"examples/coco/alice.json", "examples/coco/bob.json"};
  return commands::agree(r).json();
}

std::string agree_ratings() {
  commands::AgreeRequest r;
  r.files = {"examples/sentiment.csv"};
  r.gates = {{"fleiss_kappa", 0.2}};
  const commands::AgreeRun run = commands::agree(r);
  if (run.gate_failed()) throw std::runtime_error("the fleiss_kappa >= 0.2 gate should pass");
  return run.json();
}

std::string gold() {
  commands::GoldRequest r;
  r.files = {"examples/gold/delivery.csv"};
  r.gold_path = "examples/gold/gold.csv";
  r.policy = io::read_policy("examples/gold/qa.toml");
  return commands::gold(r).json();
}

std::string validate_delivery() {
  validate::Request r;
  r.inputs = {"examples/validate/instances.json"};
  r.classes_path = "examples/validate/classes.txt";
  std::string json;
  const io::Sink sink = [&](std::string_view b) { json += b; };
  report::ValidateWriter writer(&sink, nullptr);
  const validate::Summary s = validate::validate_delivery(r, writer);
  writer.finish(report::ValidateReport{s.tally, r.inputs, s.files, s.items, s.annotations, false});
  return json;
}

std::string annotator_report() {
  commands::ReportRequest r;
  r.files = {"examples/report/ratings.csv"};
  r.gold_path = "examples/report/gold.csv";
  const commands::ReportRun run = commands::annotator_report(r);
  return run.json({});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: core_commands OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  try {
    save(out + "/agree_objects.json", agree_objects());
    save(out + "/agree_ratings.json", agree_ratings());
    save(out + "/gold.json", gold());
    save(out + "/validate.json", validate_delivery());
    save(out + "/report.json", annotator_report());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "core_commands: %s\n", e.what());
    return 1;
  }
  return 0;
}
