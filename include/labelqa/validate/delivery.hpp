// Validating a whole delivery: the inputs (COCO files, tool exports, rating tables, PNG masks, or
// folders of them) are expanded into units, each read leniently and checked, and every finding is
// handed to a FindingSink in report order. The command line only chooses the sinks and the exit
// code; docs/validate.md documents every check.
#pragma once

#include "labelqa/io/load.hpp"
#include "labelqa/validate/findings.hpp"
#include "labelqa/validate/sink.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace labelqa::validate {

struct Request {
  std::vector<std::string> inputs;  // files and folders
  io::LoadOptions load;             // reader options of tool exports and rating tables
  std::string classes_path;         // label schema (names one per line) or class map (value,name)
  std::string label_config;         // a Label Studio labeling config (XML): the labels it declares are the schema
  std::string images_dir;           // the images: their sizes are checked against the delivery
  std::string durations_path;       // recordings' durations (CSV item,seconds): segments past them are out_of_duration
  std::string charset_path;         // the characters segment texts may hold (a UTF-8 file; white space always may)
  bool allow_outside = false;       // paths inside exports may lead outside the delivery root
  Options options;                  // the checks' settings (its classes come from classes_path)
  std::size_t keep = 5;             // findings kept per code in the summary's tally
};

struct Summary {
  FindingTally tally;
  std::size_t files = 0;        // files read (or attempted)
  std::size_t readable = 0;     // files that could be read
  std::size_t items = 0;        // images, frames and masks checked
  std::size_t annotations = 0;  // annotations checked
  std::vector<SkippedInput> skipped;  // what the readers left out (types labelqa does not check)
  // Inputs that yielded nothing to check, each with why ("read 0 annotations from FILE: its 3
  // results are of types ..."): the command fails with bad input.
  std::vector<std::string> unread;
};

// Checks every input and puts every finding to `sink` in report order. A single COCO file streams
// (its images are checked while earlier findings are put); other deliveries are sorted whole.
// Throws InputError / UsageError only for bad requests (a missing input, an unreadable class
// list): an unreadable file inside the delivery is a finding.
Summary validate_delivery(const Request& request, FindingSink& sink);

}  // namespace labelqa::validate
