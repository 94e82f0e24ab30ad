// Streaming findings to a sink in report order (see sink.hpp).
#include "labelqa/validate/sink.hpp"

#include <algorithm>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

namespace labelqa::validate {
namespace {

// The first stage of a pipeline: the indices 0 .. n - 1, in order (`next` counts them).
tbb::filter<void, std::size_t> indices(std::size_t n, std::size_t& next) {
  next = 0;
  return tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order, [n, &next](tbb::flow_control& fc) {
    if (next == n) {
      fc.stop();
      return std::size_t{0};
    }
    return next++;
  });
}

// Findings with this file and item come before (-1), with (0) or after (1) a group's.
int compare_place(const Finding& f, const Finding& group) {
  if (f.file != group.file) return f.file < group.file ? -1 : 1;
  if (f.item != group.item) return f.item < group.item ? -1 : 1;
  return 0;
}

void put_sampled(std::span<const Finding> findings, const FindingSink::Prepared* prepared, FindingSink& sink, FindingTally& tally) {
  if (findings.empty()) return;
  sink.put(findings, prepared);
  for (const auto& f : findings) tally.sample(f);
}

}  // namespace

void FindingTally::count(const Finding& f) {
  const auto c = static_cast<std::size_t>(f.code);
  ++findings;
  ++by_code[c];
  if (f.severity == Severity::error) {
    ++errors;
    ++errors_by_code[c];
  } else {
    ++warnings;
  }
  ++by_class[c][f.cls];
}

void FindingTally::count(const FindingTally& other) {
  findings += other.findings;
  errors += other.errors;
  warnings += other.warnings;
  for (std::size_t c = 0; c < by_code.size(); ++c) {
    by_code[c] += other.by_code[c];
    errors_by_code[c] += other.errors_by_code[c];
    for (const auto& [cls, n] : other.by_class[c]) by_class[c][cls] += n;
  }
}

std::unique_ptr<FindingSink::Prepared> FindingSink::prepare(std::span<const Finding>) const { return nullptr; }

void put_findings(const std::vector<Finding>& findings, FindingSink& sink, FindingTally& tally) {
  // Blocks of findings prepared in parallel and put in order, a bounded number in flight.
  constexpr std::size_t k_block = 4096;
  const std::size_t blocks = (findings.size() + k_block - 1) / k_block;
  std::size_t next = 0;
  auto block = [&](std::size_t b) {
    return std::span<const Finding>(findings.data() + b * k_block, std::min(k_block, findings.size() - b * k_block));
  };
  struct Block {
    std::size_t index = 0;
    std::unique_ptr<FindingSink::Prepared> prepared;
    FindingTally counts;
  };
  tbb::parallel_pipeline(8, indices(blocks, next) & tbb::make_filter<std::size_t, std::shared_ptr<Block>>(tbb::filter_mode::parallel, [&](std::size_t b) {
                              auto out = std::make_shared<Block>();
                              out->index = b;
                              out->prepared = sink.prepare(block(b));
                              for (const auto& f : block(b)) out->counts.count(f);
                              return out;
                            }) & tbb::make_filter<std::shared_ptr<Block>, void>(tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<Block>& b) {
                              put_sampled(block(b->index), b->prepared.get(), sink, tally);
                              tally.count(b->counts);
                            }));
}

void put_object_checks(const ObjectChecks& checks, std::vector<Finding> loose, FindingSink& sink, FindingTally& tally) {
  // Groups of images go through in chunks: checked and prepared in parallel, put in order. Loose
  // findings are put where they sort: before a group when their file and item come first, merged
  // into it (and the group put unprepared) when they share them.
  constexpr std::size_t k_chunk = 8;
  const std::size_t groups = checks.groups(), chunks = (groups + k_chunk - 1) / k_chunk;
  std::size_t next = 0, next_loose = 0;
  struct Chunk {
    std::vector<std::vector<Finding>> lists;
    std::vector<std::unique_ptr<FindingSink::Prepared>> prepared;
    FindingTally counts;
  };
  auto loose_before = [&](const Finding* group) {
    std::vector<Finding> out;
    while (next_loose < loose.size() && (!group || compare_place(loose[next_loose], *group) < 0)) out.push_back(std::move(loose[next_loose++]));
    for (const auto& f : out) tally.count(f);
    put_sampled(out, nullptr, sink, tally);
  };
  const std::size_t tokens = 4 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  tbb::parallel_pipeline(
      tokens,
      indices(chunks, next) &
          tbb::make_filter<std::size_t, std::shared_ptr<Chunk>>(tbb::filter_mode::parallel,
                                                                [&](std::size_t c) {
                                                                  auto chunk = std::make_shared<Chunk>();
                                                                  for (std::size_t g = c * k_chunk; g < std::min(groups, (c + 1) * k_chunk); ++g) {
                                                                    chunk->lists.push_back(checks.check(g));
                                                                    const auto& list = chunk->lists.back();
                                                                    chunk->prepared.push_back(list.empty() ? nullptr : sink.prepare(list));
                                                                    for (const auto& f : list) chunk->counts.count(f);
                                                                  }
                                                                  return chunk;
                                                                }) &
          tbb::make_filter<std::shared_ptr<Chunk>, void>(tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<Chunk>& chunk) {
            tally.count(chunk->counts);
            for (std::size_t k = 0; k < chunk->lists.size(); ++k) {
              auto& list = chunk->lists[k];
              if (list.empty()) continue;
              loose_before(&list.front());
              if (next_loose < loose.size() && compare_place(loose[next_loose], list.front()) == 0) {
                // Rare: loose findings of this very image. Counted on their own, then put with
                // the group's, sorted together.
                std::vector<Finding> merged = std::move(list);
                while (next_loose < loose.size() && compare_place(loose[next_loose], merged.front()) == 0) {
                  tally.count(loose[next_loose]);
                  merged.push_back(std::move(loose[next_loose++]));
                }
                sort_findings(merged);
                put_sampled(merged, nullptr, sink, tally);
              } else {
                put_sampled(list, chunk->prepared[k].get(), sink, tally);
              }
            }
          }));
  loose_before(nullptr);
}

}  // namespace labelqa::validate
