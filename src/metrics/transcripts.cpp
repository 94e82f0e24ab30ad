// Word and character error rates between transcripts (see transcripts.hpp).
#include "labelqa/metrics/transcripts.hpp"

#include "gold_engine.hpp"

#include "labelqa/error.hpp"
#include "labelqa/metrics/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <tbb/parallel_for.h>

namespace labelqa::metrics {
namespace {

constexpr const char* k_normalization_names[] = {"case", "punct", "space", "numbers"};

// English words of 0 .. 999,999,999.
std::string number_words(unsigned long long n) {
  static const char* ones[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                               "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char* tens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
  auto below_thousand = [&](unsigned long long v) {
    std::string out;
    if (v >= 100) {
      out = std::string(ones[v / 100]) + " hundred";
      v %= 100;
      if (v) out += " ";
    }
    if (v >= 20) {
      out += tens[v / 10];
      if (v % 10) out += std::string(" ") + ones[v % 10];
    } else if (v > 0 || out.empty()) {
      out += ones[v];
    }
    return out;
  };
  if (n < 1000) return below_thousand(n);
  std::string out;
  for (const auto& [scale, name] : {std::pair{1000000ULL, "million"}, std::pair{1000ULL, "thousand"}}) {
    if (n >= scale) {
      out += (out.empty() ? "" : " ") + below_thousand(n / scale) + " " + name;
      n %= scale;
    }
  }
  if (n) out += " " + below_thousand(n);
  return out;
}

// The length of the UTF-8 sequence starting with byte c (1 for a stray continuation byte).
std::size_t utf8_length(unsigned char c) { return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

bool is_punct_ascii(unsigned char c) { return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126); }

}  // namespace

unsigned parse_normalization(const std::string& spec) {
  unsigned out = 0;
  if (spec == "none" || spec.empty()) return 0;
  std::size_t at = 0;
  while (at <= spec.size()) {
    const std::size_t end = std::min(spec.find(',', at), spec.size());
    const std::string word = spec.substr(at, end - at);
    bool known = false;
    for (unsigned k = 0; k < 4; ++k) {
      if (word == k_normalization_names[k]) {
        out |= 1u << k;
        known = true;
      }
    }
    if (!known) throw UsageError(fmt::format("unknown normalisation \"{}\" (expected case, punct, space, numbers, or none)", word), "normalize");
    at = end + 1;
  }
  return out;
}

std::vector<std::string> normalization_names(unsigned flags) {
  std::vector<std::string> out;
  for (unsigned k = 0; k < 4; ++k) {
    if (flags & (1u << k)) out.emplace_back(k_normalization_names[k]);
  }
  return out;
}

std::string normalize_text(std::string_view text, unsigned flags) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = std::min(utf8_length(c), text.size() - i);
    if (n == 1) {
      if ((flags & k_normalize_punct) && is_punct_ascii(c)) {
        // An apostrophe or hyphen inside a word joins it ("don't", "x-ray"); elsewhere a space.
        const bool inner = (c == '\'' || c == '-') && i > 0 && i + 1 < text.size() && std::isalnum(static_cast<unsigned char>(text[i - 1])) &&
                           std::isalnum(static_cast<unsigned char>(text[i + 1]));
        if (!inner) out += ' ';
        ++i;
        continue;
      }
      out += (flags & k_normalize_case) && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      ++i;
      continue;
    }
    const unsigned char d = n > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
    // U+2000..U+206F (General Punctuation: dashes, quotes, ellipsis) as E2 80..81 xx.
    if ((flags & k_normalize_punct) && n == 3 && c == 0xE2 && (d == 0x80 || d == 0x81)) {
      out += ' ';
      i += n;
      continue;
    }
    if ((flags & k_normalize_case) && n == 2) {
      // Latin-1 capitals U+00C0..U+00DE (not U+00D7) are C3 80..9E, their small letters 0x20 on.
      if (c == 0xC3 && d >= 0x80 && d <= 0x9E && d != 0x97) {
        out += static_cast<char>(c);
        out += static_cast<char>(d + 0x20);
        i += n;
        continue;
      }
      // Latin Extended-A U+0100..U+017F: capitals at even code points (most of the block).
      if ((c == 0xC4 || c == 0xC5) && !(d & 1) && !(c == 0xC4 && d == 0xB8) && !(c == 0xC5 && d >= 0x89 && d <= 0x8A)) {
        out += static_cast<char>(c);
        out += static_cast<char>(d + 1);
        i += n;
        continue;
      }
    }
    out.append(text.substr(i, n));
    i += n;
  }
  if (flags & k_normalize_numbers) {
    std::string spelled;
    for (std::size_t i = 0; i < out.size();) {
      if (!std::isdigit(static_cast<unsigned char>(out[i]))) {
        spelled += out[i++];
        continue;
      }
      std::size_t j = i;
      while (j < out.size() && std::isdigit(static_cast<unsigned char>(out[j]))) ++j;
      const bool word_start = i == 0 || !std::isalpha(static_cast<unsigned char>(out[i - 1]));
      const bool word_end = j == out.size() || !std::isalpha(static_cast<unsigned char>(out[j]));
      if (word_start && word_end && j - i <= 9) {
        spelled += number_words(std::stoull(out.substr(i, j - i)));
      } else {
        spelled.append(out, i, j - i);
      }
      i = j;
    }
    out = std::move(spelled);
  }
  if (flags & k_normalize_space) {
    std::string collapsed;
    bool space = false;
    for (const char ch : out) {
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
        space = !collapsed.empty();
        continue;
      }
      if (space) collapsed += ' ';
      space = false;
      collapsed += ch;
    }
    out = std::move(collapsed);
  }
  return out;
}

std::vector<std::string_view> word_tokens(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !blank(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> char_tokens(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

namespace {

void add(EditCounts& into, const EditCounts& c) {
  into.correct += c.correct;
  into.substitutions += c.substitutions;
  into.deletions += c.deletions;
  into.insertions += c.insertions;
}

Estimate rate(long long errors, long long reference) {
  Estimate e;
  e.lower_bound = 0;
  e.upper_bound = HUGE_VAL;
  if (reference <= 0) {
    e.undefined_reason = Reason::nothing_compared;
    return e;
  }
  e.value = static_cast<double>(errors) / static_cast<double>(reference);
  return e;
}

void finish(ErrorScores& s) {
  s.wer = rate(s.words.errors(), s.words.reference());
  s.cer = rate(s.chars.errors(), s.chars.reference());
}

// One aligned pair of texts on one item.
struct Aligned {
  std::uint32_t item;
  std::size_t pair;  // index into the pair list
  EditCounts words, chars;
  std::vector<std::pair<std::string, std::string>> substitutions;
};

}  // namespace

TranscriptResult analyze_transcripts(const TranscriptSet& set, const TranscriptOptions& opt) {
  TranscriptResult out;
  out.transcripts = static_cast<long long>(set.transcripts.size());
  // Each item's transcripts: [begin, end) in set.transcripts (sorted by item, then annotator).
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t k = 0; k < set.transcripts.size();) {
    std::size_t e = k + 1;
    while (e < set.transcripts.size() && set.transcripts[e].item == set.transcripts[k].item) ++e;
    spans.emplace_back(k, e);
    k = e;
  }
  out.items = static_cast<long long>(spans.size());
  std::vector<std::string> normalized(set.transcripts.size());
  tbb::parallel_for(std::size_t{0}, normalized.size(), [&](std::size_t k) { normalized[k] = normalize_text(set.transcripts[k].text, opt.normalize); });
  // The pairs, in annotator order, and each item's aligned pairs.
  std::map<std::pair<int, int>, std::size_t> pair_index;
  struct Job {
    std::uint32_t item;
    std::size_t a, b;  // transcripts
    std::size_t pair;
  };
  std::vector<Job> jobs;
  for (const auto& [begin, end] : spans) {
    if (end - begin >= 2) ++out.compared_items;
    for (std::size_t x = begin; x < end; ++x) {
      for (std::size_t y = x + 1; y < end; ++y) {
        const auto key = std::make_pair(set.transcripts[x].annotator, set.transcripts[y].annotator);
        pair_index.emplace(key, 0);
        jobs.push_back({set.transcripts[x].item, x, y, 0});
      }
    }
  }
  std::size_t next = 0;
  for (auto& [key, idx] : pair_index) idx = next++;
  for (auto& j : jobs) j.pair = pair_index.at({set.transcripts[j.a].annotator, set.transcripts[j.b].annotator});
  std::vector<Aligned> aligned(jobs.size());
  std::vector<char> skipped(jobs.size(), 0);
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t k) {
    const Job& j = jobs[k];
    const auto rw = word_tokens(normalized[j.a]), hw = word_tokens(normalized[j.b]);
    const auto rc = char_tokens(normalized[j.a]), hc = char_tokens(normalized[j.b]);
    if (aligned_cells(rc.size(), hc.size()) > k_max_aligned_cells || aligned_cells(rw.size(), hw.size()) > k_max_aligned_cells) {
      skipped[k] = 1;
      return;
    }
    Aligned& a = aligned[k];
    a.item = j.item;
    a.pair = j.pair;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> subs;
    a.words = align(rw, hw, &subs);
    for (const auto& [r, h] : subs) a.substitutions.emplace_back(std::string(rw[r]), std::string(hw[h]));
    a.chars = align(rc, hc);
  });
  out.pairs.resize(pair_index.size());
  for (const auto& [key, idx] : pair_index) {
    out.pairs[idx].annotator_a = key.first;
    out.pairs[idx].annotator_b = key.second;
  }
  // Per item (pooled over its pairs), per pair, overall; substitutions counted.
  std::map<std::pair<std::string, std::string>, long long> sub_counts;
  std::map<std::uint32_t, std::size_t> item_row;
  // Bootstrap units: per item, its pooled counts overall and per pair.
  struct Unit {
    EditCounts words, chars;
  };
  std::vector<std::vector<std::pair<std::uint32_t, Unit>>> pair_units(out.pairs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    if (skipped[k]) {
      ++out.unaligned;
      continue;
    }
    const Aligned& a = aligned[k];
    auto [it, fresh] = item_row.emplace(a.item, out.per_item.size());
    if (fresh) out.per_item.push_back({a.item, 0, {}});
    TranscriptItem& row = out.per_item[it->second];
    ++row.pairs;
    add(row.scores.words, a.words);
    add(row.scores.chars, a.chars);
    TranscriptPair& p = out.pairs[a.pair];
    ++p.items;  // one pair of texts per item and pair
    add(p.scores.words, a.words);
    add(p.scores.chars, a.chars);
    pair_units[a.pair].push_back({static_cast<std::uint32_t>(it->second), {a.words, a.chars}});
    add(out.overall.words, a.words);
    add(out.overall.chars, a.chars);
    for (const auto& s : a.substitutions) ++sub_counts[s];
  }
  for (auto& row : out.per_item) finish(row.scores);
  for (auto& p : out.pairs) finish(p.scores);
  finish(out.overall);

  // Bootstrap over compared items (the rows of per_item, in their order of appearance).
  const std::size_t n = out.per_item.size();
  BootstrapTable table(n > 0 ? static_cast<std::size_t>(std::max(0, opt.bootstrap)) : 0);
  const std::size_t overall_wer = table.slot(out.overall.wer), overall_cer = table.slot(out.overall.cer);
  std::vector<std::size_t> pair_slots;
  for (auto& p : out.pairs) {
    pair_slots.push_back(table.slot(p.scores.wer));
    table.slot(p.scores.cer);
  }
  if (opt.bootstrap > 0 && n > 0) {
    table.run([] { return std::vector<std::uint32_t>(); }, [&](std::size_t b, double* row, std::vector<std::uint32_t>& weight) {
      Rng rng(opt.seed, b);
      resample_counts(rng, n, weight);
      long long we = 0, wr = 0, ce = 0, cr = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& s = out.per_item[i].scores;
        we += weight[i] * s.words.errors();
        wr += weight[i] * s.words.reference();
        ce += weight[i] * s.chars.errors();
        cr += weight[i] * s.chars.reference();
      }
      if (wr > 0) row[overall_wer] = static_cast<double>(we) / static_cast<double>(wr);
      if (cr > 0) row[overall_cer] = static_cast<double>(ce) / static_cast<double>(cr);
      for (std::size_t p = 0; p < pair_units.size(); ++p) {
        long long pe = 0, pr = 0, qe = 0, qr = 0;
        for (const auto& [i, u] : pair_units[p]) {
          pe += weight[i] * u.words.errors();
          pr += weight[i] * u.words.reference();
          qe += weight[i] * u.chars.errors();
          qr += weight[i] * u.chars.reference();
        }
        if (pr > 0) row[pair_slots[p]] = static_cast<double>(pe) / static_cast<double>(pr);
        if (qr > 0) row[pair_slots[p] + 1] = static_cast<double>(qe) / static_cast<double>(qr);
      }
    });
    table.intervals(opt.confidence);
  } else {
    table.no_intervals(opt.bootstrap > 0 ? Reason::too_few_items : Reason::bootstrap_disabled);
  }

  std::stable_sort(out.per_item.begin(), out.per_item.end(), [&](const TranscriptItem& x, const TranscriptItem& y) {
    const double wx = x.scores.wer.value.value_or(-1), wy = y.scores.wer.value.value_or(-1);
    if (wx != wy) return wx > wy;
    const double cx = x.scores.cer.value.value_or(-1), cy = y.scores.cer.value.value_or(-1);
    if (cx != cy) return cx > cy;
    return set.items[x.item] < set.items[y.item];
  });
  std::vector<Substitution> subs;
  for (const auto& [key, count] : sub_counts) subs.push_back({key.first, key.second, count});
  std::stable_sort(subs.begin(), subs.end(), [](const Substitution& x, const Substitution& y) { return x.count > y.count; });
  if (subs.size() > opt.top_substitutions) subs.resize(opt.top_substitutions);
  out.substitutions = std::move(subs);

  if (set.annotators.size() < 2) {
    out.warnings.push_back({WarningCode::single_annotator, "only one annotator: transcripts cannot be compared"});
  } else if (out.compared_items == 0) {
    out.warnings.push_back({WarningCode::no_pairable_items, "no item was transcribed by two or more annotators"});
  }
  if (out.unaligned > 0) {
    out.warnings.push_back({WarningCode::texts_not_aligned,
                            fmt::format("{} pairs of texts left out: aligning them would take more than {} cells (docs/limits.md)", out.unaligned,
                                        k_max_aligned_cells)});
  }
  return out;
}

GoldResult gold_transcripts(const TranscriptSet& set, int g, const GoldOptions& opt) {
  GoldResult out;
  out.kind = LabelKind::transcripts;
  out.items = set.items;
  const int A = static_cast<int>(set.annotators.size());
  std::vector<int> position(static_cast<std::size_t>(A), -1);  // set annotator -> delivered annotator
  for (int a = 0; a < A; ++a) {
    if (a == g) continue;
    position[static_cast<std::size_t>(a)] = static_cast<int>(out.annotators.size());
    out.annotators.push_back(set.annotators[static_cast<std::size_t>(a)]);
  }
  const std::size_t I = set.items.size(), D = out.annotators.size();
  std::vector<std::uint8_t> gold_has(I, 0), delivered(I, 0);
  // Each delivered text of a gold item against gold's: (gold transcript, delivered transcript).
  struct Job {
    std::size_t gold, given;
  };
  std::vector<Job> jobs;
  for (std::size_t k = 0; k < set.transcripts.size();) {
    std::size_t e = k + 1;
    while (e < set.transcripts.size() && set.transcripts[e].item == set.transcripts[k].item) ++e;
    std::optional<std::size_t> gold;
    for (std::size_t x = k; x < e; ++x) {
      if (set.transcripts[x].annotator == g) gold = x;
    }
    const std::uint32_t item = set.transcripts[k].item;
    gold_has[item] = gold ? 1 : 0;
    for (std::size_t x = k; x < e; ++x) {
      if (set.transcripts[x].annotator == g) continue;
      delivered[item] = 1;
      if (gold) jobs.push_back({*gold, x});
    }
    k = e;
  }
  struct Aligned {
    EditCounts words, chars;
    bool aligned = false;
  };
  std::vector<Aligned> aligned(jobs.size());
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t k) {
    const std::string ref = normalize_text(set.transcripts[jobs[k].gold].text, opt.normalize);
    const std::string hyp = normalize_text(set.transcripts[jobs[k].given].text, opt.normalize);
    const auto rw = word_tokens(ref), hw = word_tokens(hyp);
    const auto rc = char_tokens(ref), hc = char_tokens(hyp);
    if (aligned_cells(rc.size(), hc.size()) > k_max_aligned_cells || aligned_cells(rw.size(), hw.size()) > k_max_aligned_cells) return;
    aligned[k] = {align(rw, hw), align(rc, hc), true};
  });
  // Count space: words S, D, I, correct; characters S, D, I, correct.
  std::vector<std::vector<detail::ItemTally>> tallies(D);
  long long unaligned = 0;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const Transcript& t = set.transcripts[jobs[k].given];
    const auto d = static_cast<std::size_t>(position[static_cast<std::size_t>(t.annotator)]);
    if (!aligned[k].aligned) {
      ++unaligned;
      continue;
    }
    const EditCounts& w = aligned[k].words;
    const EditCounts& c = aligned[k].chars;
    detail::ItemTally tally{t.item, {}};
    const double v[8] = {static_cast<double>(w.substitutions), static_cast<double>(w.deletions), static_cast<double>(w.insertions),
                         static_cast<double>(w.correct),       static_cast<double>(c.substitutions), static_cast<double>(c.deletions),
                         static_cast<double>(c.insertions),    static_cast<double>(c.correct)};
    for (std::uint32_t x = 0; x < 8; ++x) tally.counts.emplace_back(x, v[x]);
    tallies[d].push_back(std::move(tally));
    if (w.errors() == 0 && c.errors() == 0) continue;
    GoldConflict conflict;
    conflict.type = ConflictType::mismatching_transcript;
    conflict.item = t.item;
    conflict.annotator = static_cast<int>(d);
    conflict.cls = t.text;
    conflict.gold_class = set.transcripts[jobs[k].gold].text;
    conflict.line = t.source.line;
    conflict.words = w;
    conflict.chars = c;
    out.conflicts.push_back(std::move(conflict));
  }
  // The tallies of each subject in item order (the bootstrap's resampling units).
  for (auto& t : tallies) {
    std::stable_sort(t.begin(), t.end(), [&](const detail::ItemTally& x, const detail::ItemTally& y) { return x.item < y.item; });
  }
  detail::TallyLayout layout;
  layout.size = 8;
  layout.metrics = {"wer", "cer", "word_accuracy", "char_accuracy"};
  layout.lower_bounds = {0, 0, -HUGE_VAL, -HUGE_VAL};
  layout.upper_bounds = {HUGE_VAL, HUGE_VAL, 1, 1};
  layout.score = [](const std::vector<double>& s, std::vector<double>& v, std::vector<Reason>& why) {
    for (int k = 0; k < 2; ++k) {
      const double* c = &s[static_cast<std::size_t>(4 * k)];
      const double ref = c[0] + c[1] + c[3];
      v[static_cast<std::size_t>(k)] = detail::ratio_or(c[0] + c[1] + c[2], ref, Reason::nothing_compared, why[static_cast<std::size_t>(k)]);
      v[static_cast<std::size_t>(2 + k)] = 1 - v[static_cast<std::size_t>(k)];
      why[static_cast<std::size_t>(2 + k)] = why[static_cast<std::size_t>(k)];
    }
  };
  detail::score_subjects(
      out, layout, tallies, opt, [](const std::vector<double>&, std::size_t) { return false; },
      [](SubjectScores& subject, const detail::TallyScores& ts) {
        const auto& s = ts.sums;
        subject.counts = {{"word_substitutions", std::llround(s[0])}, {"word_deletions", std::llround(s[1])},
                          {"word_insertions", std::llround(s[2])},    {"reference_words", std::llround(s[0] + s[1] + s[3])},
                          {"char_substitutions", std::llround(s[4])}, {"char_deletions", std::llround(s[5])},
                          {"char_insertions", std::llround(s[6])},    {"reference_chars", std::llround(s[4] + s[5] + s[7])}};
      });
  if (unaligned > 0) {
    out.warnings.push_back({WarningCode::texts_not_aligned,
                            fmt::format("{} delivered texts left out: aligning them with gold would take more than {} cells (docs/limits.md)", unaligned,
                                        k_max_aligned_cells)});
  }
  detail::finish_result(out, gold_has, delivered);
  return out;
}

}  // namespace labelqa::metrics
