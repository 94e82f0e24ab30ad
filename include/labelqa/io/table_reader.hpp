// Reads rating tables (CSV, TSV, JSONL; long or wide) into a RatingSet.
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/model/ratings.hpp"

#include <string>
#include <vector>

namespace labelqa::io {

enum class DuplicatePolicy { error, first, last };
enum class TableFormat { automatic, csv, tsv, jsonl };

struct TableOptions {
  TableFormat format = TableFormat::automatic;  // automatic: from each file's extension
  bool wide = false;  // one row per item: first column the item, one column per annotator
  std::string item_col = "item";
  std::string annotator_col = "annotator";
  std::string label_col = "label";
  std::string time_col = "timestamp";
  bool time_col_required = false;  // true when --time-col was given: the column must exist
  DuplicatePolicy duplicates = DuplicatePolicy::error;
  Level level = Level::nominal;
  std::vector<std::string> order;  // explicit ordinal order of string labels (implies ordinal)
  // When set, every row is this annotator's and no annotator column is needed (one that is
  // present is ignored): gold tables with columns item,label.
  std::string fixed_annotator;
};

TableFormat format_from_name(const std::string& name);  // throws UsageError for an unknown name

// Reads and concatenates the files. Throws InputError naming file, line, item and column.
RatingSet read_rating_tables(const std::vector<std::string>& paths, const TableOptions& options);
// The same for inputs that may be in memory (the format comes from each input's path, as for files).
RatingSet read_rating_table_inputs(const std::vector<Input>& inputs, const TableOptions& options);

}  // namespace labelqa::io
