// Transcript tables: one row per (item, annotator) with the text, as CSV, TSV or JSONL
// (`item,annotator,text`; the column names are the table options').
#pragma once

#include "labelqa/io/table_reader.hpp"
#include "labelqa/model/transcripts.hpp"

#include <string>
#include <vector>

namespace labelqa::io {

// Whether a table holds transcripts: its header (CSV, TSV) or first record (JSONL) has a text
// column and no label column.
bool is_transcript_table(const std::string& path, const TableOptions& options, const std::string& text_col);

// Reads and concatenates transcript tables. An (item, annotator) given twice follows the
// duplicates policy (error: bad input naming both lines). Throws InputError naming file, line,
// item and column.
TranscriptSet read_transcript_tables(const std::vector<std::string>& paths, const TableOptions& options, const std::string& text_col);

}  // namespace labelqa::io
