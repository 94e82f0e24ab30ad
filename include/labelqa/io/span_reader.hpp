// Text spans (named entities) as doccano and Prodigy export them, one JSONL file per annotator, and
// the builder that turns span records of any reader (these, Label Studio "labels" results) into a
// SpanSet. See docs/formats.md.
#pragma once

#include "labelqa/io/mapped_file.hpp"
#include "labelqa/io/export_data.hpp"
#include "labelqa/model/spans.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace labelqa::io {

enum class SpanFormat { doccano, prodigy };

// Whether a .jsonl/.json file holds span records (first record has "text" and "spans",
// "entities", or "label"/"labels" as [start, end, label] triples); sets `format` to prodigy when
// the record has "spans" or "_input_hash", doccano otherwise.
bool looks_like_span_jsonl(const std::string& path, SpanFormat& format);

// One file per annotator (`names` in order). Records are keyed by "id" (doccano) or
// "_input_hash" (Prodigy), else by their line number. Prodigy records answered "reject" or
// "ignore" are skipped and counted. Throws InputError naming file, line and field.
ExportData read_span_jsonl(const std::vector<std::string>& paths, const std::vector<std::string>& names, SpanFormat format);
// The same for inputs that may be in memory.
ExportData read_span_inputs(const std::vector<Input>& inputs, const std::vector<std::string>& names, SpanFormat format);

// Decodes UTF-8 into code points; false on malformed UTF-8.
bool decode_utf8(std::string_view s, std::vector<std::uint32_t>& out);

// Builds the span model: documents matched by id across annotators (a matched document whose
// text differs is bad input, naming both files), offsets checked against the text, labels
// interned and sorted. Throws InputError.
SpanSet build_spans(const std::vector<SpanRecord>& records, std::vector<SkippedInput> skipped);

}  // namespace labelqa::io
